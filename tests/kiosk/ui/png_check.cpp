// png_check FILE...: fails unless every PNG looks like a drawn screen: the
// expected size when given (--size WxH), at least a few dozen colours, and
// no single colour covering almost everything (a blank or black capture).
#include <cstdio>
#include <cstring>
#include <string>
#include <unordered_map>

#include <stb_image.h>

namespace {

bool CheckScreenshot(const char* path, int want_w, int want_h) {
  int w = 0, h = 0, channels = 0;
  unsigned char* pixels = stbi_load(path, &w, &h, &channels, 3);
  if (!pixels) {
    std::fprintf(stderr, "%s: not a readable PNG\n", path);
    return false;
  }
  std::unordered_map<unsigned, long> counts;
  for (long i = 0; i < static_cast<long>(w) * h; ++i) {
    const unsigned char* p = pixels + i * 3;
    ++counts[(p[0] << 16) | (p[1] << 8) | p[2]];
  }
  stbi_image_free(pixels);
  long dominant = 0;
  for (const auto& [color, count] : counts) dominant = std::max(dominant, count);
  const double dominant_share = static_cast<double>(dominant) / (static_cast<double>(w) * h);
  bool ok = true;
  if (want_w && (w != want_w || h != want_h)) {
    std::fprintf(stderr, "%s: %dx%d, expected %dx%d\n", path, w, h, want_w, want_h);
    ok = false;
  }
  if (counts.size() < 32 || dominant_share > 0.97) {
    std::fprintf(stderr, "%s: looks blank (%zu colours, one covers %.1f%%)\n", path, counts.size(),
                 dominant_share * 100);
    ok = false;
  }
  std::printf("%s: %dx%d, %zu colours, dominant %.1f%%\n", path, w, h, counts.size(), dominant_share * 100);
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  int want_w = 0, want_h = 0, checked = 0;
  bool ok = true;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--size") == 0 && i + 1 < argc) {
      std::sscanf(argv[++i], "%dx%d", &want_w, &want_h);
      continue;
    }
    ok = CheckScreenshot(argv[i], want_w, want_h) && ok;
    ++checked;
  }
  if (checked == 0) {
    std::fprintf(stderr, "png_check: no screenshots given\n");
    return 1;
  }
  return ok ? 0 : 1;
}

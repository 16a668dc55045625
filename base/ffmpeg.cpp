#include "base/ffmpeg.h"

extern "C" {
#include <libavutil/log.h>
}

#include <cstdarg>
#include <mutex>
#include <string_view>

#include "base/log.h"

namespace base::ff {

std::string ErrorString(int err) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(err, buf, sizeof(buf));
  return buf;
}

void RouteLogToBase() {
  static std::once_flag once;
  std::call_once(once, [] {
    av_log_set_callback([](void* avcl, int level, const char* fmt, va_list args) {
      if (level > AV_LOG_WARNING) return;
      char line[1024];
      int print_prefix = 1;
      av_log_format_line2(avcl, level, fmt, args, line, sizeof(line), &print_prefix);
      std::string_view text(line);
      while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
      if (level <= AV_LOG_FATAL) base::LogWarn("ffmpeg", text);
      else base::LogDebug("ffmpeg", text);
    });
  });
}

}  // namespace base::ff

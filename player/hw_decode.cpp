#include "player/hw_decode.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/hwcontext.h>
#include <libavutil/pixdesc.h>
}

#include <map>
#include <mutex>

#include "player/ff_util.h"

namespace player {
namespace {

// Devices opened so far, by device path ("" = libva's default); null for a
// device that failed to open. Guarded by the mutex; the references live
// until the process exits.
struct DeviceCache {
  std::mutex mutex;
  std::map<std::string, AVBufferRef*> devices;
  std::map<std::string, std::string> failures;
};
DeviceCache& Devices() {
  static DeviceCache* cache = new DeviceCache;  // never destroyed: decoders may outlive statics
  return *cache;
}

base::Result<AVBufferRef*> OpenDevice(const std::string& device) {
  DeviceCache& cache = Devices();
  std::lock_guard lock(cache.mutex);
  if (auto it = cache.devices.find(device); it != cache.devices.end()) {
    AVBufferRef* ref = av_buffer_ref(it->second);
    if (!ref) return base::MakeError(base::ErrorCode::kUnavailable, "vaapi: out of memory");
    return ref;
  }
  if (auto it = cache.failures.find(device); it != cache.failures.end()) {
    return base::MakeError(base::ErrorCode::kUnavailable, it->second);
  }
  AVBufferRef* created = nullptr;
  int err = av_hwdevice_ctx_create(&created, AV_HWDEVICE_TYPE_VAAPI,
                                   device.empty() ? nullptr : device.c_str(), nullptr, 0);
  if (err < 0) {
    std::string why = "vaapi device " + (device.empty() ? std::string("(default)") : device) +
                      ": " + ff::ErrorString(err);
    cache.failures[device] = why;
    return base::MakeError(base::ErrorCode::kUnavailable, why);
  }
  cache.devices[device] = created;
  AVBufferRef* ref = av_buffer_ref(created);
  if (!ref) return base::MakeError(base::ErrorCode::kUnavailable, "vaapi: out of memory");
  return ref;
}

// libavcodec's get_format: VAAPI surfaces when offered, else the first
// software format (what avcodec_default_get_format would choose).
enum AVPixelFormat GetFormat(AVCodecContext* ctx, const enum AVPixelFormat* formats) {
  auto* state = static_cast<HwDecodeState*>(ctx->opaque);
  for (const enum AVPixelFormat* f = formats; *f != AV_PIX_FMT_NONE; ++f) {
    if (*f == AV_PIX_FMT_VAAPI) {
      state->active.store(true);
      return *f;
    }
  }
  state->active.store(false);
  for (const enum AVPixelFormat* f = formats; *f != AV_PIX_FMT_NONE; ++f) {
    const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(*f);
    if (desc && !(desc->flags & AV_PIX_FMT_FLAG_HWACCEL)) return *f;
  }
  return AV_PIX_FMT_NONE;
}

}  // namespace

base::Result<std::string> AttachHardwareDecoder(AVCodecContext* ctx, const AVCodec* codec,
                                                const std::string& device, HwDecodeState* state) {
  bool supported = false;
  for (int i = 0;; ++i) {
    const AVCodecHWConfig* config = avcodec_get_hw_config(codec, i);
    if (!config) break;
    if (config->device_type == AV_HWDEVICE_TYPE_VAAPI &&
        (config->methods & AV_CODEC_HW_CONFIG_METHOD_HW_DEVICE_CTX)) {
      supported = true;
      break;
    }
  }
  if (!supported) {
    return base::MakeError(base::ErrorCode::kUnavailable,
                           std::string("vaapi: no hwaccel for ") + codec->name);
  }
  auto opened = OpenDevice(device);
  if (!opened) return opened.error();
  ctx->hw_device_ctx = *opened;
  ctx->opaque = state;
  ctx->get_format = &GetFormat;
  return std::string("vaapi");
}

bool IsHardwareFrame(const AVFrame* frame) {
  const AVPixFmtDescriptor* desc = av_pix_fmt_desc_get(static_cast<AVPixelFormat>(frame->format));
  return desc && (desc->flags & AV_PIX_FMT_FLAG_HWACCEL);
}

int DownloadHardwareFrame(const AVFrame* hw, AVFrame* out) {
  int err = av_hwframe_transfer_data(out, hw, 0);
  if (err < 0) return err;
  return av_frame_copy_props(out, hw);
}

}  // namespace player

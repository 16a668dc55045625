#include "media/photo.h"

#include "media/ff.h"
#include "media/picture.h"

namespace media {
namespace {

base::Result<Photo> Encode(const AVFrame* frame, AVRational sar, int orientation,
                           const PhotoOptions& options) {
  if (options.max_long_edge < 1) {
    return base::MakeError(base::ErrorCode::kInvalidInput, "max_long_edge must be at least 1");
  }
  auto image = picture::RenderFrame(frame, sar, orientation, options.max_long_edge,
                                    options.max_long_edge);
  if (!image) return image.error();
  auto jpeg = picture::EncodeJpeg(*image, options.jpeg_quality);
  if (!jpeg) return jpeg.error();
  return Photo{std::move(*jpeg), image->width, image->height};
}

}  // namespace

base::Result<Photo> MakePhoto(std::string_view image_bytes, const PhotoOptions& options) {
  if (image_bytes.empty()) return base::MakeError(base::ErrorCode::kInvalidInput, "empty image");
  auto demuxer = ff::Demuxer::Open(ff::MemorySource(image_bytes), options.timeout_ms, "image");
  if (!demuxer) return demuxer.error();
  AVFormatContext* format = (*demuxer)->format();
  int index = av_find_best_stream(format, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  if (index < 0) return base::MakeError(base::ErrorCode::kInvalidInput, "not a picture");
  AVStream* stream = format->streams[index];
  auto decoder = ff::OpenDecoder(stream, 0);
  if (!decoder) return decoder.error();
  ff::FrameReader reader(**demuxer, decoder->get(), index);
  ff::FramePtr frame = ff::MakeFrame();
  auto got = reader.Next(frame.get());
  if (!got) return got.error();
  if (!*got) return base::MakeError(base::ErrorCode::kInvalidInput, "no decodable picture");
  AVRational sar = av_guess_sample_aspect_ratio(format, stream, frame.get());
  return Encode(frame.get(), sar, picture::ExifOrientationOf(frame.get()), options);
}

base::Result<Photo> MakePhoto(const Image& pixels, const PhotoOptions& options) {
  if (pixels.empty() ||
      pixels.pixels.size() < static_cast<std::size_t>(pixels.stride_bytes()) * pixels.height) {
    return base::MakeError(base::ErrorCode::kInvalidInput, "no pixels");
  }
  // A borrowed view of the pixels: nothing is copied before scaling.
  ff::FramePtr frame = ff::MakeFrame();
  frame->width = pixels.width;
  frame->height = pixels.height;
  frame->format = pixels.layout == PixelLayout::kRgb24 ? AV_PIX_FMT_RGB24 : AV_PIX_FMT_RGBA;
  frame->data[0] = const_cast<std::uint8_t*>(pixels.pixels.data());
  frame->linesize[0] = pixels.stride_bytes();
  return Encode(frame.get(), AVRational{1, 1}, 1, options);
}

base::Result<Photo> MakePhotoFromFrame(const AVFrame* frame, const PhotoOptions& options) {
  if (!frame || frame->width <= 0 || frame->height <= 0 || !frame->data[0]) {
    return base::MakeError(base::ErrorCode::kInvalidInput, "no frame");
  }
  return Encode(frame, frame->sample_aspect_ratio, picture::ExifOrientationOf(frame), options);
}

}  // namespace media

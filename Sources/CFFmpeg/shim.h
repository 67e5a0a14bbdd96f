#ifndef WAVEDEFECT_CFFMPEG_SHIM_H
#define WAVEDEFECT_CFFMPEG_SHIM_H
#include <libavformat/avformat.h>
#include <libavcodec/avcodec.h>
#include <libswresample/swresample.h>
#include <libavutil/avutil.h>
#include <libavutil/opt.h>
#include <libavutil/channel_layout.h>
#include <libavutil/error.h>
#include <libavutil/samplefmt.h>

/// AVERROR, AVERROR_EOF and AV_NOPTS_VALUE are macros Swift cannot import.
static inline int wd_averror(int e) { return AVERROR(e); }
static inline int wd_averror_eof(void) { return AVERROR_EOF; }
static inline int wd_averror_eagain(void) { return AVERROR(EAGAIN); }
static inline int64_t wd_av_nopts_value(void) { return AV_NOPTS_VALUE; }
#endif

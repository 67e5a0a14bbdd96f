#ifndef WAVEDEFECT_VECTOR_KERNELS_H
#define WAVEDEFECT_VECTOR_KERNELS_H
#include <stdint.h>

/// Inner products of a query with rows stored in blocks of 16, dimension-major inside a block
/// (element j of the block's 16 rows are 16 consecutive floats).
///
/// Writes 16 scores per block to `scores` and the largest of them to `block_max`, so the
/// caller's top-k selection can skip whole blocks with one comparison.
///
/// Compiled for several x86-64 levels (AVX-512, AVX2+FMA, baseline) and picked once at load time
/// by CPU feature: Swift code is compiled for the baseline only, which leaves 4× of the
/// machine's vector width unused in this, the hottest loop of search.
void wd_score_blocks(const float *blocks, const float *query, int64_t dimension, int64_t block_count,
                     float *scores, float *block_max);

/// Which variant the CPU got: "avx512", "avx2+fma" or "baseline" (printed by `bench search`).
const char *wd_score_kernel_name(void);

#endif

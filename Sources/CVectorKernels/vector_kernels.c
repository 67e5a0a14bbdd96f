#include "wd_vector_kernels.h"

static inline __attribute__((always_inline)) void score_blocks(const float *restrict blocks, const float *restrict query, int64_t dimension,
                     int64_t block_count, float *restrict scores, float *restrict block_max) {
    for (int64_t b = 0; b < block_count; b++) {
        const float *block = blocks + b * 16 * dimension;
        // Four independent accumulators hide the multiply-add latency.
        float a0[16] = {0}, a1[16] = {0}, a2[16] = {0}, a3[16] = {0};
        int64_t j = 0;
        for (; j + 4 <= dimension; j += 4) {
            const float q0 = query[j], q1 = query[j + 1], q2 = query[j + 2], q3 = query[j + 3];
            const float *r = block + j * 16;
            for (int i = 0; i < 16; i++) {
                a0[i] += r[i] * q0;
                a1[i] += r[16 + i] * q1;
                a2[i] += r[32 + i] * q2;
                a3[i] += r[48 + i] * q3;
            }
        }
        for (; j < dimension; j++) {
            const float q0 = query[j];
            const float *r = block + j * 16;
            for (int i = 0; i < 16; i++) a0[i] += r[i] * q0;
        }
        float best = -__builtin_inff();
        for (int i = 0; i < 16; i++) {
            const float s = (a0[i] + a1[i]) + (a2[i] + a3[i]);
            scores[b * 16 + i] = s;
            best = s > best ? s : best;
        }
        block_max[b] = best;
    }
}

typedef void (*score_fn)(const float *, const float *, int64_t, int64_t, float *, float *);

static void score_blocks_baseline(const float *b, const float *q, int64_t d, int64_t n, float *s, float *m) {
    score_blocks(b, q, d, n, s, m);
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma")))
static void score_blocks_avx2(const float *b, const float *q, int64_t d, int64_t n, float *s, float *m) {
    score_blocks(b, q, d, n, s, m);
}

__attribute__((target("avx512f,avx512vl,avx2,fma"), min_vector_width(512)))
static void score_blocks_avx512(const float *b, const float *q, int64_t d, int64_t n, float *s, float *m) {
    score_blocks(b, q, d, n, s, m);
}
#endif

/// Chosen once when the library loads, by CPU feature (not by CPU model, so AMD and Intel
/// parts with the same features get the same code).
static score_fn selected = score_blocks_baseline;

__attribute__((constructor)) static void select_kernel(void) {
#if defined(__x86_64__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl")) {
        selected = score_blocks_avx512;
    } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        selected = score_blocks_avx2;
    }
#endif
}

void wd_score_blocks(const float *blocks, const float *query, int64_t dimension, int64_t block_count,
                     float *scores, float *block_max) {
    selected(blocks, query, dimension, block_count, scores, block_max);
}

const char *wd_score_kernel_name(void) {
#if defined(__x86_64__)
    if (selected == score_blocks_avx512) return "avx512";
    if (selected == score_blocks_avx2) return "avx2+fma";
#endif
    return "baseline";
}

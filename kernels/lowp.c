/* The low-precision GEMM driver (kernels/lowp.h). */
#include <omp.h>
#include <stdlib.h>
#include <string.h>

#include "arch/topo.h"
#include "kernels/lowp.h"

static int round_up(int x, int a) { return (x + a - 1) / a * a; }

/* L2 when the topology does not say: the smallest private L2 of current x86 and Arm cores. */
#define LOWP_L2_UNKNOWN (256LL << 10)

static const char *supports(const cnb_problem *p, int s8src)
{
    if (p->op != CNB_OP_GEMM) return "not a GEMM";
    const cnb_gemm *g = &p->gemm;
    const cnb_types *t = &p->dt;
    if (g->ta) return "A transposed (ta1)";
    if (g->alpha != 1.0f || g->beta != 0.0f) return "alpha other than 1 or beta other than 0";
    if (t->src == CNB_DT_S8 && !s8src) return "s8 source (the instructions take u8 × s8)";
    if (cnb_dt_requantized(t)) {
        const int shift = t->dst_scale_log2 - t->src_scale_log2 - t->wei_scale_log2;
        if (shift < 0 || shift > 31) return "a requantization scale that is not 2^-s, 0 ≤ s ≤ 31";
    }
    return NULL;
}

const char *cnb_lowp_supports(const cnb_problem *p) { return supports(p, 0); }
const char *cnb_lowp_supports_s8src(const cnb_problem *p) { return supports(p, 1); }

void *cnb_lowp_prepare(const cnb_lowp_arch *arch, const cnb_problem *p, const void *b)
{
    const int gb = arch->group_bytes ? arch->group_bytes : 4;
    if (supports(p, 1) || !b || arch->n_align % 16 || (gb != 4 && gb != 8) ||
        arch->m_step % arch->m_align || arch->n_step % arch->n_align ||
        (arch->bsum && cnb_dt_size(p->dt.src) != 1))
        return NULL;
    cnb_lowp_state *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->arch = arch;
    s->g = p->gemm;
    s->t = p->dt;
    s->esize = cnb_dt_size(p->dt.src);
    s->group = gb / s->esize;
    s->kp = round_up(s->g.k, arch->k_align > s->group ? arch->k_align : s->group);
    s->mp = round_up(s->g.m, arch->m_align);
    s->np = round_up(s->g.n, arch->n_align);
    s->lda = s->kp;
    if (arch->a_odd_lines) {
        const int line = 64 / s->esize;   /* elements per cache line */
        s->lda = round_up(s->kp, line);
        if (s->lda / line % 2 == 0) s->lda += line;
    }
    if (cnb_dt_requantized(&p->dt))
        s->shift = p->dt.dst_scale_log2 - p->dt.src_scale_log2 - p->dt.wei_scale_log2;
    const size_t a_bytes = (size_t)s->mp * s->lda * s->esize, b_bytes = (size_t)s->np * s->kp * s->esize;
    s->a = aligned_alloc(64, (a_bytes + 63) / 64 * 64);
    s->b = aligned_alloc(64, (b_bytes + 63) / 64 * 64);
    if (arch->bsum) s->bsum = malloc((size_t)s->np * sizeof *s->bsum);
    if (!s->a || !s->b || (arch->bsum && !s->bsum)) {
        cnb_lowp_release(s);
        return NULL;
    }
    memset(s->a, 0, a_bytes);
    /* B into panels of 16 columns, K in groups (the picture in lowp.h). */
    const cnb_gemm *g = &s->g;
    const int G = s->group, es = s->esize, panels = s->np / 16, groups = s->kp / G;
#pragma omp parallel for schedule(static)
    for (int jp = 0; jp < panels; jp++) {
        unsigned char *dst = (unsigned char *)s->b + (size_t)jp * groups * 16 * G * es;
        for (int q = 0; q < groups; q++)
            for (int c = 0; c < 16; c++)
                for (int e = 0; e < G; e++, dst += es) {
                    const int k = q * G + e, j = jp * 16 + c;
                    if (k >= g->k || j >= g->n) {
                        memset(dst, 0, es);
                        continue;
                    }
                    const int64_t at = g->tb ? (int64_t)j * g->ldb + k : (int64_t)k * g->ldb + j;
                    memcpy(dst, (const unsigned char *)b + at * es, es);
                }
    }
    /* Column sums from the packed panels (zero past K and N), exact in int32 for K < 2^24. */
    if (s->bsum)
        for (int j = 0; j < s->np; j++) {
            const int8_t *col = (const int8_t *)s->b + (size_t)(j / 16) * groups * 16 * G + (j % 16) * G;
            int32_t sum = 0;
            for (int q = 0; q < groups; q++)
                for (int e = 0; e < G; e++) sum += col[(size_t)q * 16 * G + e];
            s->bsum[j] = sum;
        }
    return s;
}

void cnb_lowp_run(void *state, const cnb_problem *p, const void *a, const void *b, void *c)
{
    (void)p, (void)b;
    const cnb_lowp_state *s = state;
    const cnb_lowp_arch *arch = s->arch;
    const cnb_gemm *g = &s->g;
    const int es = s->esize;
    const int mt = (s->mp + arch->m_step - 1) / arch->m_step;
    const int nt = (s->np + arch->n_step - 1) / arch->n_step;
    const long long l2 = cnb_topo_get()->l2 > 0 ? cnb_topo_get()->l2 : LOWP_L2_UNKNOWN;
    const long long tile_a_bytes = (long long)arch->m_step * s->lda * es;
    const long long fit = l2 / 2 / tile_a_bytes;   /* row tiles whose A fills half of L2 */
    const int band_tiles = fit < 1 ? 1 : fit > mt ? mt : (int)fit;
    const long long band_tasks = (long long)nt * band_tiles, ntasks = (long long)nt * mt;
#pragma omp parallel
    {
        /* A's rows into the padded copy (its padding stays zero from prepare). */
#pragma omp for schedule(static)
        for (int i = 0; i < g->m; i++)
            memcpy((unsigned char *)s->a + (size_t)i * s->lda * es,
                   (const unsigned char *)a + (size_t)i * g->lda * es, (size_t)g->k * es);
        if (arch->thread_begin) arch->thread_begin(s);
        /* Tasks in row bands: a band is as many m_step row tiles as fill half of L2 with their
         * rows of the packed A (at least one tile). Across its band a thread sweeps every column
         * panel, row tile by row tile: a panel of B (n_step columns) is reused by the band's
         * tiles while it is in cache, and the band's rows of A by every panel, from L2. Column
         * by column over all of M instead, A comes again from L3 or memory for each panel once
         * it is larger than L2; row by row with no bands, B for each tile. The static split
         * gives each thread whole bands where there are enough of them. */
#pragma omp for schedule(static)
        for (long long task = 0; task < ntasks; task++) {
            const int band = (int)(task / band_tasks), in_band = (int)(task % band_tasks);
            /* the last band may have fewer tiles: its tasks are the last nt·band_mt */
            const int band_mt = mt - band * band_tiles < band_tiles ? mt - band * band_tiles : band_tiles;
            const int jt = in_band / band_mt, it = band * band_tiles + in_band % band_mt;
            const int i0 = it * arch->m_step, j0 = jt * arch->n_step;
            const int mb = s->mp - i0 < arch->m_step ? s->mp - i0 : arch->m_step;
            const int nb = s->np - j0 < arch->n_step ? s->np - j0 : arch->n_step;
            arch->block(s, i0, j0, mb, nb, c);
        }
        if (arch->thread_end) arch->thread_end();
    }
}

void cnb_lowp_release(void *state)
{
    cnb_lowp_state *s = state;
    if (!s) return;
    free(s->a);
    free(s->b);
    free(s->bsum);
    free(s);
}

/* The fill, the guard pages, the dispatch, and the validator — including the proof that it
 * rejects each class of bug it guards against. */
#include <fcntl.h>
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness/buffer.h"
#include "harness/fill.h"
#include "harness/validate.h"
#include "reference/reference.h"
#include "tests/test.h"

static cnb_layer layer(const char *text)
{
    cnb_layer l;
    char err[256] = "";
    if (cnb_layer_parse(text, CNB_KIND_CONV, 0, &l, err, sizeof err)) {
        CHECK(0, "test layer '%s': %s", text, err);
        memset(&l, 0, sizeof l);
    }
    return l;
}

void test_fill_deterministic(void)
{
    const size_t n = 100003;
    float *a = malloc(n * 4), *b = malloc(n * 4);
    const cnb_exact_rule r = cnb_exact_rule_for(64);
    const int saved = omp_get_max_threads();
    omp_set_num_threads(1);
    cnb_fill(a, n, 7, 1, CNB_MODE_EXACT, r, 1, 1);
    omp_set_num_threads(saved > 1 ? saved : 2);
    cnb_fill(b, n, 7, 1, CNB_MODE_EXACT, r, 1, 1);
    omp_set_num_threads(saved);
    CHECK(!memcmp(a, b, n * 4), "fill depends on the thread count");
    int in_range = 1, distinct[9] = {0};
    for (size_t i = 0; i < n; i++) {
        in_range &= a[i] == floorf(a[i]) && a[i] >= -4 && a[i] <= 4;
        distinct[(int)a[i] + 4] = 1;
    }
    CHECK(in_range, "exact fill: integers in [-4, 4]");
    int all = 1;
    for (int i = 0; i < 9; i++) all &= distinct[i];
    CHECK(all, "exact fill uses every value of [-4, 4]");
    cnb_fill(b, n, 8, 1, CNB_MODE_EXACT, r, 1, 1);
    CHECK(memcmp(a, b, n * 4) != 0, "another seed gives other data");
    cnb_fill(b, n, 7, 1, CNB_MODE_RANDOM, r, 1, 1);
    int real = 0;
    for (size_t i = 0; i < n; i++) real += b[i] != floorf(b[i]) && b[i] >= -1 && b[i] < 1;
    CHECK(real > (int)n * 9 / 10, "random fill: reals in [-1, 1)");
    free(a);
    free(b);
}

void test_fill_exact_rule(void)
{
    cnb_exact_rule r = cnb_exact_rule_for(25088);
    CHECK(r.range == 4 && r.step == 1, "VGG fc6 (k=25088): dense [-4,4]");
    CHECK(25088.0 * 16 <= 16777216.0, "…and its sums stay under 2^24");
    r = cnb_exact_rule_for((int64_t)1 << 26);
    CHECK(r.range == 1 && r.step == 4, "2^26 products: [-1,1], every 4th nonzero (step=%lld)", (long long)r.step);
    const int64_t len = 4096;
    float *w = malloc(len * 3 * 4);
    cnb_fill(w, len * 3, 1, 2, CNB_MODE_EXACT, (cnb_exact_rule){1, 16}, 1, len);
    int ok = 1;
    for (int64_t row = 0; row < 3; row++) {
        int64_t nz = 0;
        for (int64_t k = 0; k < len; k++) nz += w[row * len + k] != 0;
        ok &= nz <= len / 16;
    }
    CHECK(ok, "density: at most len/step nonzeros along each reduction");
    free(w);
}

/* The forked children's guard-page message is expected: keep it out of the log. */
static void quiet_stderr(void)
{
    const int fd = open("/dev/null", O_WRONLY);
    if (fd >= 0) dup2(fd, 2);
}

void test_guard_page(void)
{
    cnb_buf b, page;
    CHECK(cnb_buf_alloc(&b, 1000, "probe") == 0, "alloc");
    b.ptr[0] = 1;
    b.ptr[999] = 2; /* the last element is fine */
    /* A buffer of whole pages also starts at a guard page. */
    CHECK(cnb_buf_alloc(&page, 4096, "page") == 0, "alloc");
    cnb_guard_install();
    fflush(stdout);
    const pid_t pid = fork();
    if (pid == 0) {
        quiet_stderr();
        cnb_guard_context("test", "overread");
        volatile float *p = b.ptr;
        (void)p[1000]; /* one past the end */
        _exit(0);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 1, "reading one float past the end must hit the guard page (status %d)", st);
    const pid_t pid2 = fork();
    if (pid2 == 0) {
        quiet_stderr();
        volatile float *p = page.ptr;
        (void)p[-1]; /* one before the start */
        _exit(0);
    }
    waitpid(pid2, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 1, "reading before the start must hit the guard page");
    cnb_buf_free(&b);
    cnb_buf_free(&page);
}

void test_dispatch_cap(void)
{
    const char *why = NULL;
    const uint32_t det = cnb_cpu_detected();
    const int before = cnb_cpu_cap();   /* CNB_MAX_ISA may be in force: put it back at the end */
    CHECK(cnb_isa_usable(CNB_ISA_SCALAR, NULL), "scalar always runs");
    CHECK(cnb_isa_parse("avx512") == CNB_ISA_AVX512 && cnb_isa_parse("neon_dotprod") == CNB_ISA_NEON_DOTPROD &&
          cnb_isa_parse("nope") == -1, "isa names of both tables parse");
    /* Every level of the table: its name parses back, and it needs at least one feature. */
    for (int i = 1; i < CNB_ISA_COUNT; i++)
        CHECK(cnb_isa_parse(cnb_isa_name(i)) == i && cnb_isa_features(i) != 0, "row %d (%s)", i, cnb_isa_name(i));
#if defined(__x86_64__)
    CHECK(cnb_cpu_set_cap("neon") == -1, "an aarch64 level is not a cap on x86");
    CHECK(cnb_cpu_set_cap("avx2") == 0, "cap avx2");
    CHECK(!cnb_isa_usable(CNB_ISA_AVX512, &why), "avx512 above the cap avx2");
    if (det & CNB_F_AVX512F) CHECK(why && strstr(why, "CNB_MAX_ISA"), "says why: %s", why ? why : "");
    CHECK(cnb_isa_usable(CNB_ISA_AVX2, NULL) == ((det & cnb_isa_features(CNB_ISA_AVX2)) == cnb_isa_features(CNB_ISA_AVX2)),
          "avx2 usable iff detected");
    CHECK(!cnb_isa_usable(CNB_ISA_AVX_VNNI, NULL), "avx_vnni (after avx2 in the table) above the cap avx2");
    for (int i = 0; cnb_impls[i]; i++)
        if (cnb_impls[i]->isa == CNB_ISA_AVX512) CHECK(!cnb_impl_runnable(cnb_impls[i], NULL), "%s hidden by the cap", cnb_impls[i]->name);
    /* The cap keeps its row and the rows before it: avx512 keeps avx_vnni, not avx512_vnni. */
    CHECK(cnb_cpu_set_cap("avx512") == 0, "cap avx512");
    CHECK(!cnb_isa_usable(CNB_ISA_AVX512_VNNI, NULL) && !cnb_isa_usable(CNB_ISA_AMX, NULL), "vnni, amx above the cap avx512");
    if (det & CNB_F_AVX_VNNI) CHECK(cnb_isa_usable(CNB_ISA_AVX_VNNI, NULL), "avx_vnni below the cap avx512");
    CHECK(!(cnb_cpu_usable() & (CNB_F_AVX512VNNI | CNB_F_AVX512BF16 | CNB_F_AMX_TILE)), "their features masked");
#else
    CHECK(cnb_cpu_set_cap("avx2") == -1, "an x86 level is not a cap on aarch64");
    CHECK(cnb_cpu_set_cap("neon") == 0, "cap neon");
    CHECK(!cnb_isa_usable(CNB_ISA_NEON_DOTPROD, &why), "dotprod above the cap neon");
    if (det & CNB_F_DOTPROD) CHECK(why && strstr(why, "CNB_MAX_ISA"), "says why: %s", why ? why : "");
#endif
    CHECK(cnb_cpu_set_cap("scalar") == 0, "cap scalar");
    for (int i = 1; i < CNB_ISA_COUNT; i++) CHECK(!cnb_isa_usable(i, NULL), "only scalar under cap scalar (%s)", cnb_isa_name(i));
    CHECK(cnb_cpu_set_cap("sse9") == -1, "unknown cap rejected");
    cnb_cpu_restore_cap(before);
    CHECK(cnb_cpu_cap() == before, "the cap in force before is back");
    (void)det;
}

static cnb_val_status validate(const char *impl, const char *desc, cnb_mode mode, cnb_val_result *r)
{
    const cnb_impl *m = cnb_impl_find(impl);
    CHECK(m != NULL, "%s registered", impl);
    if (!m) return CNB_VAL_FAIL;
    cnb_layer l = layer(desc);
    cnb_val_opts o = {.mode = mode, .seed = 1, .use_golden = 0};
    return cnb_validate(m, &l, &o, r);
}

void test_validator_rejects_broken(void)
{
    cnb_val_result r;
    CHECK(validate("conv/ref", "mb1ic3ih9oc5kh3ph1", CNB_MODE_EXACT, &r) == CNB_VAL_PASS, "the reference passes: %s", r.why);
    CHECK(validate("conv/broken_pad", "mb1ic3ih9oc5kh3ph1", CNB_MODE_EXACT, &r) == CNB_VAL_FAIL, "padding off by one rejected");
    CHECK(r.first >= 0 && strstr(r.why, "expected"), "the failure names an index and values: %s", r.why);
    CHECK(validate("conv/broken_pad", "mb1ic3ih9oc5kh3ph1", CNB_MODE_RANDOM, &r) == CNB_VAL_FAIL, "…in random mode too");
    CHECK(validate("gemm/broken_tail", "gemm m7n13k5", CNB_MODE_EXACT, &r) == CNB_VAL_FAIL, "missing gemm tail rejected");
    CHECK(validate("gemm/broken_tail", "gemm m7n16k5", CNB_MODE_EXACT, &r) == CNB_VAL_PASS, "…and fine without a tail");
    CHECK(validate("pool/broken_avg", "pool:avg_np mb1ic16ih17oh17kh3ph1", CNB_MODE_EXACT, &r) == CNB_VAL_FAIL,
          "average by a rounded reciprocal is not bit-exact: rejected");
    CHECK(validate("pool/broken_avg", "pool:avg_np mb1ic16ih17oh17kh3ph1", CNB_MODE_RANDOM, &r) == CNB_VAL_PASS,
          "…but within the random-mode error bound (ratio %.3g)", r.worst_ratio);
    CHECK(validate("gemm/ref", "gemm m9n9k9beta1ldc12", CNB_MODE_EXACT, &r) == CNB_VAL_PASS, "gemm gaps untouched: %s", r.why);
}

/* The reference, plus 1 at the first output: on a problem whose outputs all lie in padding. */
static void writes_padding_run(void *state, const cnb_problem *p, const void *src_, const void *wei_,
                               void *dst_)
{
    const float *src = src_, *wei = wei_;
    float *dst = dst_;
    (void)state;
    cnb_ref_conv(&p->conv, src, wei, dst);
    dst[0] += 1.0f;
}

static const cnb_impl conv_writes_padding = {
    .name = "conv/test_writes_padding", .op = CNB_OP_CONV, .isa = CNB_ISA_SCALAR,
    .layout = CNB_LAYOUT_NCX, .hidden = 1, .run = writes_padding_run,
};

void test_validator_mistrusted(void)
{
    const cnb_impl *m = cnb_impl_find("conv/ref");
    cnb_layer l = layer("mb1ic4ih9oc4kh3ph1");
    cnb_val_opts o = {.mode = CNB_MODE_EXACT, .seed = 1, .zero_src = 1};
    cnb_val_result r;
    CHECK(cnb_validate(m, &l, &o, &r) == CNB_VAL_MISTRUSTED, "all-zero output is MISTRUSTED, got %s",
          cnb_val_status_name(r.status));

    /* Zeros by construction (windows entirely in padding) are not zeros from the data: a 1x1
     * kernel with padding 1 has 56 % of its outputs zero by construction and passes; with zero
     * data it is still MISTRUSTED; an output with no input at all validates as what it is. */
    l = layer("mb1ic16ih4oc16kh1ph1");
    o.zero_src = 0;
    CHECK(cnb_validate(m, &l, &o, &r) == CNB_VAL_PASS, "1x1 pad 1: %s %s", cnb_val_status_name(r.status), r.why);
    o.zero_src = 1;
    CHECK(cnb_validate(m, &l, &o, &r) == CNB_VAL_MISTRUSTED, "1x1 pad 1, zero data: %s",
          cnb_val_status_name(r.status));
    o.zero_src = 0;
    l = layer("g1mb2ic17id1ih21iw37oc17od1oh7ow20kd2kh1kw7sd1sh3sw2pd1ph0pw4dd1dh2dw0");
    for (int mode = 0; mode < 2; mode++) {
        o.mode = mode ? CNB_MODE_RANDOM : CNB_MODE_EXACT;
        CHECK(cnb_validate(m, &l, &o, &r) == CNB_VAL_PASS, "no output has input (%s mode): %s %s",
              mode ? "random" : "exact", cnb_val_status_name(r.status), r.why);
    }
    /* An implementation that writes anything there fails, even where the reference agreed. */
    o.mode = CNB_MODE_EXACT;
    CHECK(cnb_validate(&conv_writes_padding, &l, &o, &r) == CNB_VAL_FAIL && strstr(r.why, "entirely in padding"),
          "a value where there is no input: %s %s", cnb_val_status_name(r.status), r.why);
}

void test_validator_random_bound(void)
{
    cnb_val_result r;
    CHECK(validate("conv/ref", "mb1ic64ih12oc8kh3ph1", CNB_MODE_RANDOM, &r) == CNB_VAL_PASS && r.worst_ratio == 0,
          "reference vs itself: ratio %.3g", r.worst_ratio);
    const cnb_impl *m = cnb_impl_find("gemm/scalar_loop");
    if (m) {
        CHECK(validate("gemm/scalar_loop", "gemm m31n33k1000", CNB_MODE_RANDOM, &r) == CNB_VAL_PASS,
              "float32 gemm within the bound: %s", r.why);
        CHECK(r.worst_ratio < 1, "ratio %.3g", r.worst_ratio);
    }
}

/* A sample of the golden hashes, recomputed from the reference now. */
void test_golden_sample(void)
{
    if (!cnb_hash_available()) {
        printf("  (no xxHash in this build: golden hashes not checked)\n");
        return;
    }
    char dir[4200];
    snprintf(dir, sizeof dir, "%s/../../tests/golden", cnb_shapes_dir());
    CHECK(cnb_golden_load(dir) >= 240, "golden hashes for the 242 distinct layers, in %s", dir);
    static const char *const nets[] = {"resnet_50", "c3d", "mobilenet_v1", "inception_v3", "alexnet", "googlenet_v1"};
    int checked = 0;
    for (size_t i = 0; i < sizeof nets / sizeof nets[0]; i++) {
        cnb_net net;
        char err[256];
        if (cnb_net_load(nets[i], 1, &net, err, sizeof err)) continue;
        for (int j = 0; j < net.count; j += 7) {
            const cnb_layer *l = &net.layers[j];
            if (cnb_layer_flops_dense(l) > 4e8) continue; /* keep the test quick */
            char key[CNB_DESC_MAX + 64];
            uint64_t in, out, gin, gout;
            cnb_golden_key(l, 1, key, sizeof key);
            CHECK(cnb_golden_find(key, &gin, &gout), "no golden hash for %s", key);
            CHECK(cnb_golden_compute(l, 1, &in, &out) == 0, "compute %s", key);
            CHECK(in == gin && out == gout, "%s: golden %016llx/%016llx, now %016llx/%016llx", l->name,
                  (unsigned long long)gin, (unsigned long long)gout, (unsigned long long)in, (unsigned long long)out);
            checked++;
        }
        cnb_net_free(&net);
    }
    CHECK(checked >= 10, "sampled %d golden layers", checked);
}

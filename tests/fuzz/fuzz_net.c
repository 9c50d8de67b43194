/* libFuzzer target: a whole layer table through cnb_net_load, which reads a file: the input goes to
 * an anonymous memory file and is opened by its /proc/self/fd path. */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "harness/desc.h"
#include "tests/fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int fd = -1;
    if (fd < 0 && (fd = memfd_create("cnb_fuzz_net", 0)) < 0) abort();
    if (ftruncate(fd, 0) || pwrite(fd, data, size, 0) != (ssize_t)size) abort();
    char path[64], err[512];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    cnb_net net;
    for (int mb = 0; mb <= 2; mb += 2)
        if (cnb_net_load(path, mb, &net, err, sizeof err) == 0) {
            for (int i = 0; i < net.count; i++) (void)cnb_layer_flops_dense(&net.layers[i]);
            cnb_net_free(&net);
        }
    return 0;
}

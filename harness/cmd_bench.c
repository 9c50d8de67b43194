/* `cnnbench bench`: placeholder until the measurement layer lands. */
#include "harness/cli.h"

int cnb_cmd_bench(int argc, char **argv)
{
    (void)argc, (void)argv;
    cnb_die("bench: not built yet");
}

/* Readers of /sys and /proc, and mkdir -p (arch/sysfs.h). */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arch/sysfs.h"

long long cnb_read_size_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    long long v = 0;
    char unit = 0;
    const int n = fscanf(f, "%lld%c", &v, &unit);
    fclose(f);
    if (n < 1) return 0;
    if (unit == 'K' || unit == 'k') v <<= 10;
    else if (unit == 'M' || unit == 'm') v <<= 20;
    else if (unit == 'G' || unit == 'g') v <<= 30;
    return v;
}

int cnb_read_int_file(const char *path, int fallback)
{
    FILE *f = fopen(path, "r");
    if (!f) return fallback;
    int v;
    if (fscanf(f, "%d", &v) != 1) v = fallback;
    fclose(f);
    return v;
}

int cnb_read_word_file(const char *path, char *buf, int size)
{
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    char fmt[16];
    snprintf(fmt, sizeof fmt, "%%%ds", size - 1);
    const int ok = fscanf(f, fmt, buf) == 1;
    fclose(f);
    return ok ? 0 : -1;
}

int cnb_other_runnable(void)
{
    FILE *f = fopen("/proc/stat", "r");
    if (!f) return -1;
    char line[256];
    int n = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "procs_running %d", &n) == 1) break;
    fclose(f);
    return n > 0 ? n - 1 : n;
}

long long cnb_mem_available(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    if (!f) return -1;
    char line[256];
    long long kib = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "MemAvailable: %lld kB", &kib) == 1) break;
    fclose(f);
    return kib < 0 ? -1 : kib * 1024;
}

long long cnb_phys_bytes(void)
{
    const long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    return pages > 0 && size > 0 ? (long long)pages * size : 0;
}

void cnb_make_dirs(const char *dir)
{
    char buf[4200];
    snprintf(buf, sizeof buf, "%s", dir);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            mkdir(buf, 0777);
            *p = '/';
        }
    mkdir(buf, 0777);
}

void cnb_make_parent_dirs(const char *path)
{
    char dir[4200];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir) return;
    *slash = 0;
    cnb_make_dirs(dir);
}

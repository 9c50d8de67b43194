/* Small readers of the files Linux keeps under /sys and /proc, and mkdir -p: the one place for
 * them (topology, peak probes, the benchmark's load check and memory budget all use these).
 * Each returns a fallback or -1 when the file is missing or unreadable, never fails hard. */
#ifndef CNB_ARCH_SYSFS_H
#define CNB_ARCH_SYSFS_H

/* A size such as "48K" or "2048K" (sysfs cache sizes): bytes, 0 when absent. */
long long cnb_read_size_file(const char *path);
/* The first integer of the file, or fallback. */
int cnb_read_int_file(const char *path, int fallback);
/* The first word of the file into buf (size >= 2): 0, or -1. */
int cnb_read_word_file(const char *path, char *buf, int size);
/* Tasks runnable besides the caller (procs_running of /proc/stat minus 1); -1 if unknown. */
int cnb_other_runnable(void);
/* MemAvailable of /proc/meminfo in bytes; -1 if unknown. */
long long cnb_mem_available(void);
/* Physical memory in bytes (sysconf); 0 if unknown. */
long long cnb_phys_bytes(void);
/* mkdir -p dir (errors are left to whoever then opens a file there). */
void cnb_make_dirs(const char *dir);
/* mkdir -p of the directory part of path. */
void cnb_make_parent_dirs(const char *path);

#endif

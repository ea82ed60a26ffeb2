/*
 * The C limit for the Go package's own workload: the files exist; open, write 64 bytes, close.
 *
 * Build:  gcc -O2 -pthread -o existing existing.c
 * Usage:  existing BASE N T REPS
 *
 *   One op = N empty files made in a fresh directory BASE/rR/opK (untimed, by the main thread), then, timed, T
 *   threads each open their share of them (open(O_CREAT|O_WRONLY|O_APPEND|O_CLOEXEC), as ringwriter and the Go
 *   package open an appended file), write 64 bytes and close. A repetition runs ceil(1000 / N) ops so that small N
 *   still times about 1000 files. The threads are made once and spin (pause, then sched_yield) between ops, as
 *   shared/limits/fsbench.c's do, so no thread is created or woken inside the timed region.
 *
 * Output, one line per repetition and a summary in fsbench's form (bench/run.sh appends it to fsbench.txt and the
 * report reads the SUMMARY line):
 *   REP existing N=100 T=2 msg=64 rep=0 ops=10 ns_per_file=6123.4
 *   SUMMARY existing N=100 T=2 msg=64 median=6123.4 min=5980.1 max=6400.2 ns/file (reps=3)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MAXT 64
#define MSG 64

static char dir[600];
static int n;
static int threads;
static char msg[MSG];
static atomic_int gen;
static atomic_int done_cnt;
static atomic_int quit_flag;

static void die(const char *what, const char *path)
{
    fprintf(stderr, "existing: %s %s: %s\n", what, path, strerror(errno));
    exit(1);
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void share(int tid)
{
    const int lo = (int)((long)n * tid / threads), hi = (int)((long)n * (tid + 1) / threads);
    char path[700];
    for (int i = lo; i < hi; i++)
    {
        snprintf(path, sizeof path, "%s/f%07d", dir, i);
        const int fd = open(path, O_CREAT | O_WRONLY | O_APPEND | O_CLOEXEC, 0600);
        if (fd < 0) die("open", path);
        if (write(fd, msg, MSG) != MSG) die("write", path);
        if (close(fd) != 0) die("close", path);
    }
}

static void *worker(void *arg)
{
    const int tid = (int)(intptr_t)arg;
    int seen = 0;
    for (;;)
    {
        int g;
        unsigned spins = 0;
        while ((g = atomic_load_explicit(&gen, memory_order_acquire)) == seen)
        {
            if (atomic_load(&quit_flag)) return NULL;
            if (++spins > 64) sched_yield();
            else __builtin_ia32_pause();
        }
        seen = g;
        share(tid);
        atomic_fetch_add_explicit(&done_cnt, 1, memory_order_release);
    }
}

static uint64_t run_op(void)
{
    atomic_store(&done_cnt, 0);
    const uint64_t t0 = now_ns();
    atomic_fetch_add_explicit(&gen, 1, memory_order_release);
    share(0);
    unsigned spins = 0;
    while (atomic_load_explicit(&done_cnt, memory_order_acquire) != threads - 1)
    {
        if (++spins > 64) sched_yield();
        else __builtin_ia32_pause();
    }
    return now_ns() - t0;
}

static int by_value(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc != 5)
    {
        fprintf(stderr, "usage: existing BASE N T REPS\n");
        return 2;
    }
    const char *base = argv[1];
    n = atoi(argv[2]);
    threads = atoi(argv[3]);
    const int reps = atoi(argv[4]);
    if (n < 1 || threads < 1 || threads > MAXT || reps < 1)
    {
        fprintf(stderr, "existing: N >= 1, 1 <= T <= %d, REPS >= 1\n", MAXT);
        return 2;
    }
    memset(msg, 'x', sizeof msg);
    msg[MSG - 1] = '\n';
    if (mkdir(base, 0700) != 0 && errno != EEXIST) die("mkdir", base);

    pthread_t th[MAXT];
    for (int t = 1; t < threads; t++) pthread_create(&th[t], NULL, worker, (void *)(intptr_t)t);

    const int ops = (1000 + n - 1) / n;
    double *per_file = calloc((size_t)reps, sizeof(double));
    for (int r = 0; r < reps; r++)
    {
        char rdir[520];
        snprintf(rdir, sizeof rdir, "%s/r%d", base, r);
        if (mkdir(rdir, 0700) != 0) die("mkdir", rdir);
        uint64_t timed = 0;
        for (int k = 0; k < ops; k++)
        {
            snprintf(dir, sizeof dir, "%s/op%d", rdir, k);
            if (mkdir(dir, 0700) != 0) die("mkdir", dir);
            char path[700];
            for (int i = 0; i < n; i++)
            {
                snprintf(path, sizeof path, "%s/f%07d", dir, i);
                const int fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
                if (fd < 0) die("create", path);
                close(fd);
            }
            timed += run_op();
        }
        per_file[r] = (double)timed / ((double)ops * n);
        printf("REP existing N=%d T=%d msg=%d rep=%d ops=%d ns_per_file=%.1f\n", n, threads, MSG, r, ops,
            per_file[r]);
        fflush(stdout);
    }
    qsort(per_file, (size_t)reps, sizeof(double), by_value);
    const double median = reps % 2 ? per_file[reps / 2] : (per_file[reps / 2 - 1] + per_file[reps / 2]) / 2;
    printf("SUMMARY existing N=%d T=%d msg=%d median=%.1f min=%.1f max=%.1f ns/file (reps=%d)\n", n, threads, MSG,
        median, per_file[0], per_file[reps - 1], reps);

    atomic_store(&quit_flag, 1);
    for (int t = 1; t < threads; t++) pthread_join(th[t], NULL);
    free(per_file);
    return 0;
}

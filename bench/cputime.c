/* bench/cputime.c -- the CPU clocks the benchmark driver (bench/run.lua) reads
** where Lua has no call for them.  Built by the driver into build/bench/.
**
**   cputime run OUT CMD [ARG...]   run CMD (same stdin/stdout/stderr), wait for
**                                  it, write "USER SYS MAXRSS_KB" to the file OUT
**                                  (seconds, from wait4's rusage: microsecond
**                                  resolution, not clock ticks); exit as CMD did
**   cputime pid PID                print the CPU seconds (user + system, all
**                                  threads) PID has used so far, to the
**                                  nanosecond (its process CPU-time clock)
**
** Development tool only: not part of the module.
*/
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <time.h>
#include <unistd.h>
#include <sys/types.h>
#include <sys/time.h>
#include <sys/resource.h>
#include <sys/wait.h>

static double tv_seconds (struct timeval tv) {
  return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static int run (const char *out, char **argv) {
  struct rusage ru;
  int status = 0;
  FILE *f;
  pid_t pid = fork();
  if (pid < 0) { perror("cputime: fork"); return 127; }
  if (pid == 0) {
    execvp(argv[0], argv);
    fprintf(stderr, "cputime: cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
  }
  while (wait4(pid, &status, 0, &ru) < 0) {
    if (errno != EINTR) { perror("cputime: wait4"); return 127; }
  }
  f = fopen(out, "w");
  if (!f) { perror("cputime: open OUT"); return 127; }
  fprintf(f, "%.6f %.6f %ld\n", tv_seconds(ru.ru_utime), tv_seconds(ru.ru_stime), ru.ru_maxrss);
  fclose(f);
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

static int pid_cpu (const char *arg) {
  clockid_t clk;
  struct timespec ts;
  pid_t pid = (pid_t)strtol(arg, NULL, 10);
  int rc = clock_getcpuclockid(pid, &clk);
  if (rc != 0) { fprintf(stderr, "cputime: pid %s: %s\n", arg, strerror(rc)); return 1; }
  if (clock_gettime(clk, &ts) != 0) { perror("cputime: clock_gettime"); return 1; }
  printf("%.9f\n", (double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
  return 0;
}

int main (int argc, char **argv) {
  if (argc >= 4 && strcmp(argv[1], "run") == 0) return run(argv[2], argv + 3);
  if (argc == 3 && strcmp(argv[1], "pid") == 0) return pid_cpu(argv[2]);
  fprintf(stderr, "usage: cputime run OUT CMD [ARG...] | cputime pid PID\n");
  return 2;
}

/*
 * prm-meter: the trusted half of the sandbox. It starts one program, confines it with kernel
 * mechanisms, enforces its limits from outside, and reports what the kernel measured.
 *
 * Why a separate native process: the submitted program shares its process with the Node
 * runtime, so nothing inside that process can be trusted to measure it. wait4() hands the
 * parent exact rusage (CPU user/system in microseconds, max RSS) once the child is gone, and
 * waitid(WNOWAIT) lets us read the zombie's /proc I/O counters before reaping it. Node cannot
 * call either, hence this small C program, built on first use (sandbox/meter-binary.ts).
 *
 * Usage: prm-meter CPU_MS MEMORY_MB WALL_MS STARTUP_MS AS_MB -- PROGRAM ARGS...
 *   fd 0/1/2 are handed to the program; fd 3 receives one JSON report line.
 *   The program (via its trusted bootstrap) writes one byte to its fd 3, a socket, when user code
 *   is about to start, and waits for one byte back: that "mark" is where this program's
 *   accounting begins, so a job's figures exclude the runtime's own start-up, and the reply comes
 *   only once the counters are sampled, so no user work slips in before it however loaded the
 *   machine. Limits apply from the mark; before it, STARTUP_MS bounds start-up.
 *
 * Confinement applied to the child before exec:
 *   - new network namespace (only a downed loopback: every connect fails), new IPC/UTS;
 *   - a private uid/gid (100000 + pid) with no groups, so it cannot signal or touch other jobs,
 *     the executor, or root-owned files; PR_SET_NO_NEW_PRIVS; dies with this meter (PDEATHSIG);
 *   - rlimits: CPU seconds as a kernel backstop, address space, no core files, no file writes
 *     (RLIMIT_FSIZE 0), few open files, few processes for its uid;
 *   - an empty environment.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <grp.h>
#include <time.h>
#include <unistd.h>

#define POLL_MS 2

typedef struct {
  long long utime_ticks, stime_ticks, runtime_ns, rss_kb, rchar, wchar;
} sample_t;

static long long now_us(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static int read_file(const char *path, char *buf, size_t cap) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, cap - 1);
  close(fd);
  if (n < 0) return -1;
  buf[n] = 0;
  return (int)n;
}

/* utime and stime are fields 14 and 15 of /proc/PID/stat, counted after the ')' that ends the
 * command name (which may itself contain spaces or parentheses). */
static int sample_cpu(pid_t pid, sample_t *s) {
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", pid);
  if (read_file(path, buf, sizeof buf) < 0) return -1;
  char *p = strrchr(buf, ')');
  if (!p) return -1;
  p += 2;
  int field = 3;
  while (field < 14 && *p) {
    if (*p++ == ' ') field++;
  }
  return sscanf(p, "%lld %lld", &s->utime_ticks, &s->stime_ticks) == 2 ? 0 : -1;
}

/* CPU time of all threads to the nanosecond (the sum of each /proc/PID/task/TID/schedstat): the
 * start mark needs better than the 10 ms ticks of /proc/PID/stat, or every job carries up to
 * 10 ms of start-up. wait4() at exit reports the same scheduler clock. */
static int sample_runtime(pid_t pid, sample_t *s) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/task", pid);
  DIR *dir = opendir(path);
  if (!dir) return -1;
  long long total = 0;
  struct dirent *entry;
  while ((entry = readdir(dir)) != NULL) {
    if (entry->d_name[0] == '.') continue;
    char task[300], buf[128];
    snprintf(task, sizeof task, "/proc/%d/task/%s/schedstat", pid, entry->d_name);
    if (read_file(task, buf, sizeof buf) > 0) total += atoll(buf);
  }
  closedir(dir);
  s->runtime_ns = total;
  return 0;
}

static int sample_rss(pid_t pid, sample_t *s) {
  char path[64], buf[256];
  long long size, resident;
  snprintf(path, sizeof path, "/proc/%d/statm", pid);
  if (read_file(path, buf, sizeof buf) < 0) return -1;
  if (sscanf(buf, "%lld %lld", &size, &resident) != 2) return -1;
  s->rss_kb = resident * (sysconf(_SC_PAGESIZE) / 1024);
  return 0;
}

static int sample_io(pid_t pid, sample_t *s) {
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%d/io", pid);
  if (read_file(path, buf, sizeof buf) < 0) return -1;
  char *r = strstr(buf, "rchar:"), *w = strstr(buf, "wchar:");
  if (!r || !w) return -1;
  s->rchar = atoll(r + 6);
  s->wchar = atoll(w + 6);
  return 0;
}

/* Resets the kernel's peak-RSS mark to the current RSS, so the peak seen at exit is the peak
 * since user code began. */
static void reset_peak_rss(pid_t pid) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/clear_refs", pid);
  int fd = open(path, O_WRONLY | O_CLOEXEC);
  if (fd >= 0) {
    if (write(fd, "5", 1) < 0) { /* kernel too old: peak then includes start-up */ }
    close(fd);
  }
}

static void set_limit(int resource, rlim_t soft, rlim_t hard) {
  struct rlimit rl = {soft, hard};
  if (setrlimit(resource, &rl) != 0) {
    fprintf(stderr, "prm-meter: setrlimit(%d) failed: %s\n", resource, strerror(errno));
    _exit(125);
  }
}

static void confine_and_exec(int mark_fd, long long cpu_ms, long long startup_ms, long long as_mb, char **argv) {
  if (dup2(mark_fd, 3) < 0) _exit(125);
  for (int fd = 4; fd < 1024; fd++) close(fd);
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (getppid() == 1) _exit(125);

  int flags = CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS;
  if (geteuid() != 0) flags |= CLONE_NEWUSER;
  if (unshare(flags) != 0) {
    fprintf(stderr, "prm-meter: cannot isolate the network (unshare: %s)\n", strerror(errno));
    _exit(125);
  }

  rlim_t cpu_s = (rlim_t)((cpu_ms + startup_ms) / 1000 + 2);
  set_limit(RLIMIT_CPU, cpu_s, cpu_s + 1);
  set_limit(RLIMIT_AS, (rlim_t)as_mb << 20, (rlim_t)as_mb << 20);
  set_limit(RLIMIT_CORE, 0, 0);
  set_limit(RLIMIT_FSIZE, 0, 0);
  set_limit(RLIMIT_NOFILE, 64, 64);

  if (geteuid() == 0) {
    uid_t id = (uid_t)(100000 + getpid());
    /* Threads count against RLIMIT_NPROC: Node needs about a dozen. */
    set_limit(RLIMIT_NPROC, 64, 64);
    if (setgroups(0, NULL) != 0 || setgid(id) != 0 || setuid(id) != 0) {
      fprintf(stderr, "prm-meter: cannot drop privileges: %s\n", strerror(errno));
      _exit(125);
    }
  }
  prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);

  char *empty_env[] = {NULL};
  execve(argv[0], argv, empty_env);
  fprintf(stderr, "prm-meter: exec %s failed: %s\n", argv[0], strerror(errno));
  _exit(127);
}

int main(int argc, char **argv) {
  if (argc < 8 || strcmp(argv[6], "--") != 0) {
    fprintf(stderr, "usage: prm-meter CPU_MS MEMORY_MB WALL_MS STARTUP_MS AS_MB -- PROGRAM ARGS...\n");
    return 2;
  }
  long long cpu_ms = atoll(argv[1]), memory_kb = atoll(argv[2]) * 1024, wall_ms = atoll(argv[3]);
  long long startup_ms = atoll(argv[4]), as_mb = atoll(argv[5]);
  long tick_hz = sysconf(_SC_CLK_TCK);
  FILE *report = fdopen(3, "w");
  if (!report) {
    fprintf(stderr, "prm-meter: fd 3 must be open for the report\n");
    return 2;
  }
  fcntl(3, F_SETFD, FD_CLOEXEC);

  int mark_pipe[2]; /* [0] ours, [1] the program's fd 3 */
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, mark_pipe) != 0) return 2;
  long long spawned_us = now_us();
  pid_t pid = fork();
  if (pid < 0) return 2;
  if (pid == 0) confine_and_exec(mark_pipe[1], cpu_ms, startup_ms, as_mb, argv + 7);
  close(mark_pipe[1]);

  int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  sample_t mark = {0}, last = {0};
  int marked = 0, mark_open = 1;
  long long mark_us = 0, peak_sampled_kb = 0;
  const char *killed_by = "";

  for (;;) {
    struct pollfd fds[2] = {{mark_open ? mark_pipe[0] : -1, POLLIN, 0}, {pidfd, POLLIN, 0}};
    poll(fds, 2, POLL_MS);
    if (mark_open && (fds[0].revents & (POLLIN | POLLHUP))) {
      char byte;
      ssize_t n = read(mark_pipe[0], &byte, 1);
      if (n == 1 && !marked) {
        mark_us = now_us();
        if (sample_cpu(pid, &mark) == 0 && sample_runtime(pid, &mark) == 0 && sample_rss(pid, &mark) == 0) {
          sample_io(pid, &mark);
          reset_peak_rss(pid);
          last = mark;
          marked = 1;
        }
        /* User code starts on this reply (also when sampling failed: the report then says
         * unmarked). MSG_NOSIGNAL: a program already gone must not take the meter with it. */
        (void)send(mark_pipe[0], "A", 1, MSG_NOSIGNAL);
      }
      if (n <= 0) {
        mark_open = 0;
        close(mark_pipe[0]);
      }
    }

    siginfo_t info;
    memset(&info, 0, sizeof info);
    if (waitid(P_PID, pid, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == pid) break;

    long long t = now_us();
    if (!marked) {
      if (*killed_by == 0 && t - spawned_us > startup_ms * 1000) {
        killed_by = "startup";
        kill(pid, SIGKILL);
      }
      continue;
    }
    sample_t s = last;
    if (sample_cpu(pid, &s) == 0 && sample_rss(pid, &s) == 0) {
      sample_io(pid, &s);
      last = s;
      if (s.rss_kb > peak_sampled_kb) peak_sampled_kb = s.rss_kb;
    }
    if (*killed_by) continue;
    long long used_cpu_ms = (last.utime_ticks + last.stime_ticks - mark.utime_ticks - mark.stime_ticks) * 1000 / tick_hz;
    if (used_cpu_ms > cpu_ms) killed_by = "cpu";
    else if (last.rss_kb - mark.rss_kb > memory_kb) killed_by = "memory";
    else if (t - mark_us > wall_ms * 1000) killed_by = "wall";
    if (*killed_by) kill(pid, SIGKILL);
  }

  long long exit_us = now_us();
  sample_t final = last;
  if (marked) sample_io(pid, &final);
  int status = 0;
  struct rusage ru;
  memset(&ru, 0, sizeof ru);
  wait4(pid, &status, 0, &ru);

  fprintf(report,
          "{\"marked\":%s,\"killed_by\":\"%s\",\"exit_code\":%d,\"signal\":%d,"
          "\"ru_utime_us\":%lld,\"ru_stime_us\":%lld,\"ru_maxrss_kb\":%ld,"
          "\"mark_utime_us\":%lld,\"mark_stime_us\":%lld,\"mark_cpu_us\":%lld,\"mark_rss_kb\":%lld,\"peak_sampled_kb\":%lld,"
          "\"io_read_bytes\":%lld,\"io_write_bytes\":%lld,"
          "\"startup_us\":%lld,\"wall_us\":%lld}\n",
          marked ? "true" : "false", killed_by,
          WIFEXITED(status) ? WEXITSTATUS(status) : -1, WIFSIGNALED(status) ? WTERMSIG(status) : 0,
          (long long)ru.ru_utime.tv_sec * 1000000LL + ru.ru_utime.tv_usec,
          (long long)ru.ru_stime.tv_sec * 1000000LL + ru.ru_stime.tv_usec, ru.ru_maxrss,
          mark.utime_ticks * 1000000LL / tick_hz, mark.stime_ticks * 1000000LL / tick_hz, mark.runtime_ns / 1000, mark.rss_kb,
          peak_sampled_kb, final.rchar - mark.rchar, final.wchar - mark.wchar,
          (marked ? mark_us : exit_us) - spawned_us, marked ? exit_us - mark_us : 0);
  fclose(report);
  return 0;
}

// sh: the Pagoda shell.
//
//   sh                  read commands from the standard input ("$ " prompt
//                       when that is the console)
//   sh -c 'LINE'        run LINE and exit with its status
//   sh FILE             run the commands in FILE
//
// A line is a list of pipelines separated by ';', '&' or newlines; a
// pipeline is commands joined by '|'; a command is words with
// redirections ('<' file, '>' file, '>>' file) or a '( list )' group run
// in a subshell. Quotes ('...' and "...") and backslash protect special
// characters; '#' starts a comment. $? is the status of the last
// pipeline, $! the pid of the last background job (outside single
// quotes). Builtins: cd [DIR], exit [STATUS], wait [PID], jobs.
//
// The status of a line is the status of its last pipeline, and the status
// of a pipeline is that of its last command. A command killed by the
// kernel (or by ^C) has status -1; one that cannot be run has status 127.
//
// Jobs. Each pipeline is a job: its processes form one process group
// (setpgid), whose id is the pid of its first process. An interactive
// shell makes the group of a foreground job the console's foreground
// group (tcsetpgrp) while it waits for it, so ^C kills exactly that job;
// at the prompt there is no foreground group, and ^C only cancels the
// line. The shell itself is never in a job's group. 'CMD &' starts a
// background job and prints "[N] PID" (PID: the pipeline's last
// process); 'jobs' lists them, 'wait' waits for them, and the shell says
// when one is done before its next prompt.
//
// How it works: a line is parsed into a tree (list -> pipelines ->
// commands) whose nodes come from fixed pools, reset for every line, so
// the shell never calls malloc. Every command runs in a child process;
// only cd, exit and wait on their own run in the shell itself.
#include "kernel/types.h"
#include "kernel/stat.h"
#include "kernel/fcntl.h"
#include "kernel/param.h"
#include "kernel/procinfo.h"
#include "user/user.h"

#define MAXLINE   4096   // longest command line
#define NREDIR    8      // redirections per command
#define NPIPE     16     // commands per pipeline
#define NLIST     32     // pipelines per list
#define NCMDS     48     // command nodes per line
#define NPIPES    48     // pipeline nodes per line
#define NLISTS    16     // list nodes per line (1 + one per group)
#define NJOBS     16     // background jobs
#define JOBTEXT   48     // characters of a job's command kept for 'jobs'

// ---------------------------------------------------------------- tree

enum { R_IN, R_OUT, R_APPEND };

struct redir {
  int type;
  char *file;
};

struct list;

struct cmd {
  int argc;
  char *argv[MAXARG + 1];
  int nredir;
  struct redir redir[NREDIR];
  struct list *sub;           // "( list )": run the list in a subshell
};

struct pipeline {
  int n;
  struct cmd *cmd[NPIPE];
  int background;             // ended by '&'
  const char *text;           // its source text, for 'jobs'
  int textlen;
};

struct list {
  int n;
  struct pipeline *p[NLIST];
};

static struct cmd cmdpool[NCMDS];
static struct pipeline pipepool[NPIPES];
static struct list listpool[NLISTS];
static int ncmds, npipes, nlists;

// ---------------------------------------------------------------- state

static int interactive;       // reading commands from the console
static int scriptfd = -1;     // fd of "sh FILE", closed in children
static int laststatus;        // status of the last pipeline
static int lastbg;            // pid of the last background job ($!)
static int jobctl;            // this shell does job control (interactive)
static int origfg;            // the console's foreground group when we started
static int rescue;            // run as /rescue/sh: programs from /rescue first
static int interrupted;       // ^C killed a foreground job of this line

// A background job: its processes, until all are reaped.
struct job {
  int id;                     // [N]; 0: free slot
  int pgid;
  int n, left;                // processes started, not yet reaped
  int pids[NPIPE];
  int st[NPIPE];              // exit status of each, once reaped
  char done[NPIPE];           // reaped
  int status;                 // of the last process
  char text[JOBTEXT + 1];
};
static struct job jobs[NJOBS];

static char line[MAXLINE + 1];

// ---------------------------------------------------------------- lexer

enum { TK_END, TK_WORD, TK_PIPE, TK_LT, TK_GT, TK_GTGT, TK_SEMI, TK_AMP,
       TK_LP, TK_RP, TK_ERR };

static const char *src;               // next character to read
static const char *tokstart;          // where the current token began
static char words[2 * MAXLINE + 2];   // text of the words, 0-terminated
#define VAR '\001'                       // in words[]: $? or $! follows
static int wlen;
static int tok;                       // current token
static char *tokword;                 // its text if tok == TK_WORD
static char errbuf[80];
static const char *errmsg;            // first syntax error of the line

static void
syntax(const char *msg)
{
  if (errmsg == 0)
    errmsg = msg;
}

static int
isblank(char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

// Characters that end an unquoted word.
static int
isspecial(char c)
{
  return c == 0 || isblank(c) || c == '\n' || c == ';' || c == '&' ||
         c == '|' || c == '<' || c == '>' || c == '(' || c == ')';
}

// Read the next token into tok (and tokword).
static void
advance(void)
{
  while (isblank(*src))
    src++;
  if (*src == '#')
    while (*src && *src != '\n')
      src++;
  tokstart = src;

  switch (*src) {
  case 0:    tok = TK_END; return;
  case '\n':
  case ';':  src++; tok = TK_SEMI; return;
  case '&':  src++; tok = TK_AMP; return;
  case '|':  src++; tok = TK_PIPE; return;
  case '<':  src++; tok = TK_LT; return;
  case '(':  src++; tok = TK_LP; return;
  case ')':  src++; tok = TK_RP; return;
  case '>':
    src++;
    tok = TK_GT;
    if (*src == '>') {
      src++;
      tok = TK_GTGT;
    }
    return;
  }

  // A word. Every input character yields at most one character of the
  // word, so words[] (twice the longest line) cannot overflow. $? and $!
  // become VAR '?' and VAR '!', replaced when the command runs (expand()),
  // since a command of the line may change them for the next.
  tokword = words + wlen;
  while (!isspecial(*src)) {
    char c = *src++;
    if (c == '$' && (*src == '?' || *src == '!')) {
      words[wlen++] = VAR;        // expanded when the command runs
      words[wlen++] = *src++;
    } else if (c == '\'') {
      while (*src && *src != '\'')
        words[wlen++] = *src++;
      if (*src == 0)
        goto unterminated;
      src++;
    } else if (c == '"') {
      while (*src && *src != '"') {
        if (*src == '$' && (src[1] == '?' || src[1] == '!')) {
          words[wlen++] = VAR;
          words[wlen++] = src[1];
          src += 2;
          continue;
        }
        if (*src == '\\' && (src[1] == '"' || src[1] == '\\' || src[1] == '$'))
          src++;
        words[wlen++] = *src++;
      }
      if (*src == 0)
        goto unterminated;
      src++;
    } else if (c == '\\') {
      if (*src == '\n') {       // line continuation
        src++;
      } else if (*src != 0) {
        words[wlen++] = *src++;
      }
    } else {
      words[wlen++] = c;
    }
  }
  words[wlen++] = 0;
  tok = TK_WORD;
  return;

unterminated:
  syntax("syntax error: unterminated quote");
  tok = TK_ERR;
}

// Report the current token as unexpected.
static void
unexpected(void)
{
  static const char *names[] = {
    [TK_PIPE] = "|", [TK_LT] = "<", [TK_GT] = ">", [TK_GTGT] = ">>",
    [TK_SEMI] = ";", [TK_AMP] = "&", [TK_LP] = "(", [TK_RP] = ")",
  };
  if (tok == TK_ERR)
    return;                     // already reported
  if (tok == TK_END)
    syntax("syntax error: unexpected end of line");
  else if (tok == TK_WORD) {
    snprintf(errbuf, sizeof(errbuf), "syntax error near '%s'", tokword);
    syntax(errbuf);
  } else {
    snprintf(errbuf, sizeof(errbuf), "syntax error near '%s'", names[tok]);
    syntax(errbuf);
  }
}

// ---------------------------------------------------------------- parser

static struct list *parse_list(int nested);

static struct cmd *
parse_cmd(void)
{
  if (ncmds == NCMDS) {
    syntax("too many commands");
    return 0;
  }
  struct cmd *c = &cmdpool[ncmds++];
  memset(c, 0, sizeof(*c));

  if (tok == TK_LP) {
    advance();
    c->sub = parse_list(1);
    if (c->sub == 0)
      return 0;
    if (tok != TK_RP) {
      unexpected();
      return 0;
    }
    advance();
  }

  for (;;) {
    if (tok == TK_WORD) {
      if (c->sub) {
        unexpected();
        return 0;
      }
      if (c->argc == MAXARG) {
        syntax("too many arguments");
        return 0;
      }
      c->argv[c->argc++] = tokword;
      advance();
    } else if (tok == TK_LT || tok == TK_GT || tok == TK_GTGT) {
      int type = tok == TK_LT ? R_IN : tok == TK_GT ? R_OUT : R_APPEND;
      advance();
      if (tok != TK_WORD) {
        unexpected();
        return 0;
      }
      if (c->nredir == NREDIR) {
        syntax("too many redirections");
        return 0;
      }
      c->redir[c->nredir].type = type;
      c->redir[c->nredir].file = tokword;
      c->nredir++;
      advance();
    } else {
      break;
    }
  }
  c->argv[c->argc] = 0;

  if (c->sub == 0 && c->argc == 0 && c->nredir == 0) {
    unexpected();
    return 0;
  }
  return c;
}

static struct pipeline *
parse_pipeline(void)
{
  if (npipes == NPIPES) {
    syntax("too many commands");
    return 0;
  }
  struct pipeline *p = &pipepool[npipes++];
  memset(p, 0, sizeof(*p));
  p->text = tokstart;

  for (;;) {
    struct cmd *c = parse_cmd();
    if (c == 0)
      return 0;
    if (p->n == NPIPE) {
      syntax("pipeline too long");
      return 0;
    }
    p->cmd[p->n++] = c;
    if (tok != TK_PIPE) {
      p->textlen = (tok == TK_END ? src : tokstart) - p->text;
      return p;
    }
    advance();
  }
}

// nested: inside "( )", where ')' ends the list.
static struct list *
parse_list(int nested)
{
  if (nlists == NLISTS) {
    syntax("too many nested groups");
    return 0;
  }
  struct list *l = &listpool[nlists++];
  memset(l, 0, sizeof(*l));

  for (;;) {
    while (tok == TK_SEMI)
      advance();
    if (tok == TK_END || (nested && tok == TK_RP))
      return l;
    struct pipeline *p = parse_pipeline();
    if (p == 0)
      return 0;
    if (l->n == NLIST) {
      syntax("too many commands");
      return 0;
    }
    l->p[l->n++] = p;
    if (tok == TK_AMP) {
      p->background = 1;
      advance();
    } else if (tok == TK_SEMI) {
      advance();
    } else if (!(tok == TK_END || (nested && tok == TK_RP))) {
      unexpected();
      return 0;
    }
  }
}

// ---------------------------------------------------------------- jobs

// A child pid was reaped with status st: if it belongs to a background
// job, count it. Returns 1 if it did.
static int
job_reaped(int pid, int st)
{
  for (int j = 0; j < NJOBS; j++) {
    struct job *jb = &jobs[j];
    if (jb->id == 0)
      continue;
    for (int i = 0; i < jb->n; i++) {
      if (jb->pids[i] == pid && !jb->done[i]) {
        jb->done[i] = 1;
        jb->st[i] = st;
        jb->left--;
        if (i == jb->n - 1)
          jb->status = st;
        return 1;
      }
    }
  }
  return 0;
}

// Reap the children that have already exited (zombies), without
// blocking: there is no WNOHANG, so ask procinfo which children are
// zombies; wait() returns at once for those.
static void
reap_zombies(void)
{
  static struct procinfo pi[NPROC];
  int me = getpid();
  int n = procinfo(pi, NPROC);
  int zombies = 0;
  for (int i = 0; i < n && i < NPROC; i++)
    if (pi[i].ppid == me && pi[i].state == PI_ZOMBIE)
      zombies++;
  while (zombies-- > 0) {
    int st;
    int pid = wait(&st);
    if (pid < 0)
      break;
    job_reaped(pid, st);
  }
}

// Print "[N] done ..." for finished jobs and free their slots (before a
// prompt, and in 'jobs').
static void
report_jobs(int all)
{
  reap_zombies();
  for (int j = 0; j < NJOBS; j++) {
    struct job *jb = &jobs[j];
    if (jb->id == 0)
      continue;
    if (jb->left == 0) {
      if (jb->status == 0)
        printf("[%d] done       %s\n", jb->id, jb->text);
      else
        printf("[%d] exit %-5d %s\n", jb->id, jb->status, jb->text);
      jb->id = 0;
    } else if (all) {
      printf("[%d] running    %s (pid %d)\n", jb->id, jb->text, jb->pids[jb->n - 1]);
    }
  }
}

// Remember a background job; returns its number (0 if the table is full:
// the job runs anyway, it is just not listed).
static int
add_job(struct pipeline *p, int *pids, int n, int pgid)
{
  int used[NJOBS + 1];
  memset(used, 0, sizeof(used));
  for (int j = 0; j < NJOBS; j++)
    if (jobs[j].id)
      used[jobs[j].id] = 1;
  for (int j = 0; j < NJOBS; j++) {
    struct job *jb = &jobs[j];
    if (jb->id)
      continue;
    int id = 1;
    while (used[id])
      id++;
    jb->id = id;
    jb->pgid = pgid;
    jb->n = n;
    jb->left = 0;
    for (int i = 0; i < n; i++) {
      jb->pids[i] = pids[i];
      jb->done[i] = pids[i] <= 0;
      jb->st[i] = -1;
      if (pids[i] > 0)
        jb->left++;
    }
    jb->status = 0;
    int len = p->textlen < JOBTEXT ? p->textlen : JOBTEXT;
    while (len > 0 && isblank(p->text[len - 1]))
      len--;
    memmove(jb->text, p->text, len);
    jb->text[len] = 0;
    return id;
  }
  return 0;
}

// The background job that has pid, and its index there; 0 if none.
static struct job *
job_of(int pid, int *idx)
{
  for (int j = 0; j < NJOBS; j++)
    for (int i = 0; jobs[j].id && i < jobs[j].n; i++)
      if (jobs[j].pids[i] == pid) {
        *idx = i;
        return &jobs[j];
      }
  return 0;
}

// ---------------------------------------------------------------- running

static int run_list(struct list *l);

// Replace $? and $! (VAR '?', VAR '!') in c's words with their values
// now. The expanded words go to xbuf: each value is at most 11
// characters for 2 of the word, so six times the line is enough.
static void
expand(struct cmd *c)
{
  static char xbuf[6 * MAXLINE + 2];
  int x = 0;
  char **ws[MAXARG + NREDIR];
  int n = 0;

  for (int i = 0; i < c->argc; i++)
    ws[n++] = &c->argv[i];
  for (int i = 0; i < c->nredir; i++)
    ws[n++] = &c->redir[i].file;
  for (int k = 0; k < n; k++) {
    const char *w = *ws[k];
    if (strchr(w, VAR) == 0)
      continue;
    char *out = xbuf + x;
    for (; *w; w++) {
      if (*w == VAR && (w[1] == '?' || w[1] == '!')) {
        x += snprintf(xbuf + x, 12, "%d", w[1] == '?' ? laststatus : lastbg);
        w++;
      } else {
        xbuf[x++] = *w;
      }
    }
    xbuf[x++] = 0;
    *ws[k] = out;
  }
}

// The 'wait' builtin: wait [PID]. Without PID, every child (all background
// jobs); status 0. With PID (a background process), until it ends; its
// status.
static int
builtin_wait(struct cmd *c)
{
  if (c->argc > 2) {
    fprintf(2, "sh: wait: too many arguments\n");
    return 2;
  }
  if (c->argc == 2) {
    int want = atoi(c->argv[1]), i;
    struct job *jb = want > 0 ? job_of(want, &i) : 0;
    if (jb == 0) {
      fprintf(2, "sh: wait: %s: not a background process of this shell\n", c->argv[1]);
      return 127;
    }
    while (!jb->done[i]) {
      int st;
      int pid = wait(&st);
      if (pid < 0)
        return 127;
      job_reaped(pid, st);
    }
    return jb->st[i];
  }
  int st, pid;
  while ((pid = wait(&st)) >= 0)     // every child, background jobs included
    job_reaped(pid, st);
  return 0;
}

// Builtins: return 1 and set *status if argv names one.
static int
builtin(struct cmd *c, int *status)
{
  char **argv = c->argv;

  if (strcmp(argv[0], "cd") == 0) {
    const char *dir = c->argc > 1 ? argv[1] : "/";
    if (c->argc > 2) {
      fprintf(2, "sh: cd: too many arguments\n");
      *status = 1;
    } else if (chdir(dir) < 0) {
      fprintf(2, "sh: cd: %s: %s\n", dir, strerror(errno));
      *status = 1;
    } else {
      *status = 0;
    }
    return 1;
  }
  if (strcmp(argv[0], "exit") == 0) {
    if (jobctl)
      tcsetpgrp(0, origfg);
    exit(c->argc > 1 ? atoi(argv[1]) : laststatus);
  }
  if (strcmp(argv[0], "wait") == 0) {
    *status = builtin_wait(c);
    return 1;
  }
  if (strcmp(argv[0], "jobs") == 0) {
    report_jobs(1);
    *status = 0;
    return 1;
  }
  return 0;
}

static int
isbuiltin(struct cmd *c)
{
  return c->sub == 0 && c->argc > 0 &&
         (strcmp(c->argv[0], "cd") == 0 || strcmp(c->argv[0], "exit") == 0 ||
          strcmp(c->argv[0], "wait") == 0 || strcmp(c->argv[0], "jobs") == 0);
}

// Make fd `target` refer to what fd refers to, and close fd.
static void
move_fd(int fd, int target)
{
  if (fd == target)
    return;
  close(target);
  if (dup(fd) != target)
    fprintf(2, "sh: cannot redirect fd %d\n", target);
  close(fd);
}

static void
exec_command(char **argv)
{
  static char path[MAXPATH + 1];

  // The rescue shell (init runs it when /sh cannot run, e.g. with a
  // damaged /lib) prefers the static tools in /rescue.
  if (rescue && strchr(argv[0], '/') == 0 && strlen(argv[0]) + 8 < sizeof(path)) {
    strcpy(path, "/rescue/");
    strcpy(path + 8, argv[0]);
    exec(path, argv);
  }
  exec(argv[0], argv);
  int err = errno;
  // Not found here: try the root directory, where the programs live.
  if (err == ENOENT && strchr(argv[0], '/') == 0 &&
      strlen(argv[0]) + 1 < sizeof(path)) {
    path[0] = '/';
    strcpy(path + 1, argv[0]);
    exec(path, argv);
    if (errno != ENOENT)
      err = errno;
  }
  fprintf(2, "sh: exec %s failed: %s\n", argv[0], strerror(err));
}

// In a child: apply c's redirections and run it. Never returns.
static void
run_cmd(struct cmd *c)
{
  if (scriptfd >= 0) {
    close(scriptfd);
    scriptfd = -1;
  }
  // A subshell or builtin in a child belongs to its job: no job control
  // of its own, and no jobs inherited from us.
  jobctl = 0;
  memset(jobs, 0, sizeof(jobs));
  expand(c);

  for (int i = 0; i < c->nredir; i++) {
    struct redir *r = &c->redir[i];
    int fd, target;
    if (r->type == R_IN) {
      fd = open(r->file, O_RDONLY);
      target = 0;
    } else if (r->type == R_OUT) {
      fd = open(r->file, O_WRONLY | O_CREATE | O_TRUNC);
      target = 1;
    } else {
      fd = open(r->file, O_WRONLY | O_CREATE);
      if (fd >= 0)
        lseek(fd, 0, SEEK_END);
      target = 1;
    }
    if (fd < 0) {
      fprintf(2, "sh: cannot open %s: %s\n", r->file, strerror(errno));
      exit(1);
    }
    move_fd(fd, target);
  }

  if (c->sub)
    exit(run_list(c->sub));
  if (c->argc == 0)               // only redirections, e.g. "> file"
    exit(0);

  int status;
  if (builtin(c, &status))
    exit(status);
  exec_command(c->argv);
  exit(127);
}

// Wait until every process in pids[0..n) has exited; other children
// (background jobs) are reaped on the way. Returns the status of the
// last one. pids[i] <= 0 means "never started".
static int
wait_for(int *pids, int n)
{
  int left = 0, status = -1;

  for (int i = 0; i < n; i++)
    if (pids[i] > 0)
      left++;
  while (left > 0) {
    int st;
    int pid = wait(&st);
    if (pid < 0)
      break;
    int mine = 0;
    for (int i = 0; i < n; i++) {
      if (pids[i] == pid) {
        pids[i] = 0;
        left--;
        mine = 1;
        if (i == n - 1)
          status = st;
      }
    }
    if (!mine)
      job_reaped(pid, st);
  }
  return status;
}

// Run a pipeline as one job (a process group). In the foreground, wait
// for it and return its status; in the background, remember it and
// return 0.
static int
run_pipeline(struct pipeline *p)
{
  int pids[NPIPE];
  int in = -1;                   // read end of the previous pipe
  int status;
  int pgid = 0;                  // the job's group: its first process's pid
  int fg = !p->background;

  if (fg && p->n == 1 && isbuiltin(p->cmd[0])) {
    expand(p->cmd[0]);
    if (builtin(p->cmd[0], &status))
      return status;
  }

  for (int i = 0; i < p->n; i++)
    pids[i] = -1;

  for (int i = 0; i < p->n; i++) {
    int fds[2] = { -1, -1 };
    if (i + 1 < p->n && pipe(fds) < 0) {
      fprintf(2, "sh: pipe: %s\n", strerror(errno));
      break;
    }
    int pid = fork();
    if (pid == 0) {
      // Both the child and the shell set the group, so that it is set
      // whichever runs first; the child also takes the console, so that
      // the job is in the foreground before it runs anything (a ^C
      // typed from then on reaches it).
      if (jobctl) {
        setpgid(0, pgid);
        if (fg)
          tcsetpgrp(0, pgid ? pgid : getpid());
      } else if (p->background) {
        setpgid(0, pgid);        // not killed by a ^C meant for the foreground
      }
      if (in >= 0)
        move_fd(in, 0);
      if (fds[1] >= 0) {
        close(fds[0]);
        move_fd(fds[1], 1);
      }
      run_cmd(p->cmd[i]);
    }
    if (pid > 0) {
      if (pgid == 0)
        pgid = pid;
      if (jobctl || p->background)
        setpgid(pid, pgid);
    }
    if (in >= 0)
      close(in);
    if (fds[1] >= 0)
      close(fds[1]);
    in = fds[0];
    if (pid < 0) {
      fprintf(2, "sh: fork: %s\n", strerror(errno));
      break;
    }
    pids[i] = pid;
  }
  if (in >= 0)
    close(in);

  if (!fg) {
    int last = pids[p->n - 1] > 0 ? pids[p->n - 1] : pgid;
    int id = add_job(p, pids, p->n, pgid);
    lastbg = last;
    if (interactive)
      fprintf(2, "[%d] %d\n", id, last);
    return pids[p->n - 1] > 0 ? 0 : -1;
  }
  if (jobctl && pgid)
    tcsetpgrp(0, pgid);
  status = wait_for(pids, p->n);
  if (jobctl) {
    // ^C kills the foreground group and leaves the console without one:
    // then the rest of the line is not run either (as ^C stops a whole
    // "sleep 100; sleep 100" in POSIX shells).
    if (pgid && tcgetpgrp(0) != pgid)
      interrupted = 1;
    tcsetpgrp(0, 0);             // back at the prompt: no foreground job
  }
  return status;
}

static int
run_list(struct list *l)
{
  for (int i = 0; i < l->n && !interrupted; i++)
    laststatus = run_pipeline(l->p[i]);
  return laststatus;
}

// Parse and run one command line; returns its status.
static int
run_line(const char *s)
{
  if (strlen(s) > MAXLINE) {
    fprintf(2, "sh: command line too long (more than %d characters), ignored\n", MAXLINE);
    return laststatus = 2;
  }
  ncmds = npipes = nlists = 0;
  wlen = 0;
  errmsg = 0;
  interrupted = 0;
  src = s;

  advance();
  struct list *l = parse_list(0);
  if (l && tok != TK_END)
    unexpected();
  if (errmsg) {
    fprintf(2, "sh: %s\n", errmsg);
    return laststatus = 2;
  }
  return run_list(l);
}

// ---------------------------------------------------------------- input

static char rbuf[512];
static int rpos, rlen;

// Read one line (without its newline) into line[]. Returns its length,
// or -1 at end of input. From fd 0 the shell reads a byte at a time, so
// that it never takes input meant for the commands it runs.
static int
read_line(int fd)
{
  int n = 0, toolong = 0;

  for (;;) {
    char c;
    if (fd == 0) {
      if (read(0, &c, 1) != 1)
        break;
    } else {
      if (rpos == rlen) {
        rlen = read(fd, rbuf, sizeof(rbuf));
        rpos = 0;
        if (rlen <= 0) {
          rlen = 0;
          break;
        }
      }
      c = rbuf[rpos++];
    }
    if (c == '\n') {
      line[n] = 0;
      goto done;
    }
    if (n < MAXLINE)
      line[n++] = c;
    else
      toolong = 1;
  }
  // End of input.
  if (n == 0)
    return -1;
  line[n] = 0;

done:
  if (toolong) {
    fprintf(2, "sh: line too long (more than %d characters), ignored\n", MAXLINE);
    line[0] = 0;
    return 0;
  }
  return n;
}

int
main(int argc, char *argv[])
{
  rescue = argc > 0 && strncmp(argv[0], "/rescue/", 8) == 0;
  if (argc >= 2 && strcmp(argv[1], "-c") == 0) {
    if (argc < 3) {
      fprintf(2, "sh: -c: option requires an argument\n");
      exit(2);
    }
    exit(run_line(argv[2]));
  }

  int fd = 0;
  if (argc >= 2) {
    fd = open(argv[1], O_RDONLY);
    if (fd < 0) {
      fprintf(2, "sh: cannot open %s: %s\n", argv[1], strerror(errno));
      exit(127);
    }
    scriptfd = fd;
  } else {
    struct stat st;
    interactive = fstat(0, &st) == 0 && st.type == T_DEVICE;
  }
  if (interactive) {
    // Job control: a group of our own (never a job's), and no
    // foreground job while we read a line. The group the console had
    // (a shell that started us waits for it) is given back at exit.
    origfg = tcgetpgrp(0);
    if (origfg >= 0 && setpgid(0, 0) == 0 && tcsetpgrp(0, 0) == 0)
      jobctl = 1;
    if (origfg < 0)
      origfg = 0;
  }

  for (;;) {
    if (interactive) {
      report_jobs(0);
      write(2, "$ ", 2);
    }
    if (read_line(fd) < 0)
      break;
    run_line(line);
  }
  if (jobctl)
    tcsetpgrp(0, origfg);
  exit(interactive ? 0 : laststatus);
}

// grep PATTERN [FILE...]: print the lines that match PATTERN.
//
// Patterns are simple regular expressions:
//   c    the character c         .    any character
//   x*   zero or more of x       \c   the character c itself (e.g. \. \*)
//   ^    (first) start of line   $    (last) end of line
// With several files each line is preceded by "file:".
// Exit status: 0 if a line matched, 1 if none did, 2 on error.
#include "kernel/types.h"
#include "kernel/fcntl.h"
#include "user/user.h"

#define BUFSZ 4096
static char buf[BUFSZ + 1];

// The atom at re: sets *len to its length in the pattern. Returns
// -1 for '.', otherwise the character to match.
static int
atom(const char *re, int *len)
{
  if (re[0] == '\\' && re[1] != 0) {
    *len = 2;
    return (uchar)re[1];
  }
  *len = 1;
  return re[0] == '.' ? -1 : (uchar)re[0];
}

static int
atom_matches(int a, char c)
{
  return c != 0 && (a == -1 || a == (uchar)c);
}

static int match_here(const char *re, const char *text);

// Does "a*" followed by re match at text? Tries the shortest run first.
static int
match_star(int a, const char *re, const char *text)
{
  for (;;) {
    if (match_here(re, text))
      return 1;
    if (!atom_matches(a, *text))
      return 0;
    text++;
  }
}

// Does re match a prefix of text?
static int
match_here(const char *re, const char *text)
{
  for (;;) {
    if (re[0] == 0)
      return 1;
    if (re[0] == '$' && re[1] == 0)
      return *text == 0;
    int len;
    int a = atom(re, &len);
    if (re[len] == '*')
      return match_star(a, re + len + 1, text);
    if (!atom_matches(a, *text))
      return 0;
    re += len;
    text++;
  }
}

// Does re match anywhere in text?
static int
match(const char *re, const char *text)
{
  if (re[0] == '^')
    return match_here(re + 1, text);
  do {
    if (match_here(re, text))
      return 1;
  } while (*text++ != 0);
  return 0;
}

static const char *pattern;
static int prefix;     // print "name:" before each line
static int matched;

// line is terminated by 0 at line[len].
static void
check(char *line, int len, const char *name)
{
  if (!match(pattern, line))
    return;
  matched = 1;
  if (prefix) {
    printf("%s:%s\n", name, line);
  } else {
    line[len] = '\n';
    write(1, line, len + 1);
    line[len] = 0;
  }
}

static int
grep(int fd, const char *name)
{
  int m = 0, n;

  while ((n = read(fd, buf + m, BUFSZ - m)) > 0) {
    m += n;
    char *p = buf, *end = buf + m;
    for (char *q = p; q < end; q++) {
      if (*q == '\n') {
        *q = 0;
        check(p, q - p, name);
        p = q + 1;
      }
    }
    m = end - p;
    memmove(buf, p, m);
    if (m == BUFSZ) {          // a line longer than the buffer: cut it
      buf[m] = 0;
      check(buf, m, name);
      m = 0;
    }
  }
  if (m > 0) {                 // last line without a newline
    buf[m] = 0;
    check(buf, m, name);
  }
  if (n < 0) {
    fprintf(2, "grep: %s: %s\n", name, strerror(errno));
    return -1;
  }
  return 0;
}

int
main(int argc, char *argv[])
{
  int error = 0;

  if (argc < 2) {
    fprintf(2, "usage: grep PATTERN [FILE...]\n");
    return 2;
  }
  pattern = argv[1];

  if (argc == 2) {
    if (grep(0, "(standard input)") < 0)
      error = 1;
  } else {
    prefix = argc > 3;
    for (int i = 2; i < argc; i++) {
      int fd = open(argv[i], O_RDONLY);
      if (fd < 0) {
        fprintf(2, "grep: cannot open %s: %s\n", argv[i], strerror(errno));
        error = 1;
        continue;
      }
      if (grep(fd, argv[i]) < 0)
        error = 1;
      close(fd);
    }
  }
  if (error)
    return 2;
  return matched ? 0 : 1;
}

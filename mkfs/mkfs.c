// mkfs: build a Pagoda file system image.
//
//   mkfs [-s blocks] [-i inodes] fs.img [dest=]file...
//
// The image holds a root directory with ".", "..", and one entry per
// file, named after the file's last path component with one leading '_'
// removed (build/user/_cat becomes /cat). An argument DEST=FILE puts FILE
// at the path DEST instead (lib/libc.so=build/lib/libc.so becomes
// /lib/libc.so), making the directories DEST names; every directory has
// "." and "..", and a directory's link count is 1 plus its number of
// subdirectories (their ".." entries), as the kernel's mkdir keeps it.
// Layout, in BSIZE blocks:
//
//   0          boot block (unused)
//   1          super block
//   2          log header, then LOGBLOCKS log blocks
//   ...        inode blocks (IPB inodes each)
//   ...        free bitmap (one bit per block of the image)
//   ...        data blocks
//
// Every input is checked before the image file is touched; any problem
// is reported in one line on stderr and the exit status is 1 (2 for a
// usage error). A half-written image is removed.

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kernel/fs.h"
#include "kernel/param.h"
// kernel/stat.h's struct stat would clash with the host's; only the T_*
// constants are wanted from it.
#define stat pagoda_stat
#include "kernel/stat.h"
#undef stat
#include <sys/stat.h>

#define DEFAULT_NINODES 1024
#define MAX_NINODES     65535       // struct dirent's inum is 16 bits
#define MAX_SIZE        (1u << 24)  // blocks: 16 GiB is plenty for a teaching disk

static const char *imgpath;   // set once the image file exists
static int imgfd = -1;

// Report an error, remove a half-written image, and exit.
static void __attribute__((noreturn, format(printf, 1, 2)))
die(const char *fmt, ...)
{
  va_list ap;
  fprintf(stderr, "mkfs: ");
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\n");
  if (imgpath) {
    close(imgfd);
    unlink(imgpath);
  }
  exit(1);
}

static void __attribute__((noreturn))
usage(void)
{
  fprintf(stderr, "usage: mkfs [-s blocks] [-i inodes] fs.img [dest=]file...\n");
  exit(2);
}

// The image is little-endian (RISC-V); convert host values to it.
static int
host_is_le(void)
{
  uint16_t x = 1;
  return *(uint8_t *)&x == 1;
}

static uint16_t
le16(uint16_t x)
{
  return host_is_le() ? x : (uint16_t)((x >> 8) | (x << 8));
}

static uint32_t
le32(uint32_t x)
{
  if (host_is_le())
    return x;
  return (x >> 24) | ((x >> 8) & 0xff00) | ((x << 8) & 0xff0000) | (x << 24);
}

// Parse a decimal number in [lo, hi]; die with a message naming what.
static unsigned
parse_count(const char *s, const char *what, unsigned lo, unsigned hi)
{
  char *end;
  if (*s < '0' || *s > '9')
    die("bad %s '%s': not a number", what, s);
  errno = 0;
  unsigned long v = strtoul(s, &end, 10);
  if (*end != 0)
    die("bad %s '%s': not a number", what, s);
  if (errno == ERANGE || v < lo || v > hi)
    die("bad %s '%s': must be between %u and %u", what, s, lo, hi);
  return (unsigned)v;
}

// ---------------------------------------------------------------------------
// Input files

struct input {
  const char *arg;     // the argument as given, for messages
  const char *path;    // the host file
  char name[DIRSIZ + 1];
  int dir;             // the directory it goes into (index into dirs)
  unsigned char *data;
  size_t size;
  unsigned inum;
};

// Directories: dirs[0] is the root; the others are made by DEST=FILE
// arguments, in the order they are first named.
struct dir {
  char name[DIRSIZ + 1];
  int parent;          // index into dirs (the root is its own parent)
  const char *arg;     // the argument that made it, for messages
  int first;           // the index of that argument
  unsigned inum;
  int nsub;            // subdirectories
  int nent;            // entries other than "." and ".."
};

static struct dir *dirs;
static int ndirs;

// Blocks a file of the given size occupies: data plus indirect blocks.
static size_t
file_blocks(size_t size)
{
  size_t nb = (size + BSIZE - 1) / BSIZE;
  size_t n = nb;
  if (nb > NDIRECT)
    n += 1;   // single-indirect block
  if (nb > NDIRECT + NINDIRECT) {
    size_t d = nb - NDIRECT - NINDIRECT;
    n += 1 + (d + NINDIRECT - 1) / NINDIRECT;   // root + second-level blocks
  }
  return n;
}

// Check one component of a name: not empty, not "." or "..", at most
// DIRSIZ characters. Returns it in out.
static void
check_name(const char *arg, const char *name, size_t len, char *out)
{
  if (len == 0)
    die("%s: cannot make a file name from this path", arg);
  if (len > DIRSIZ)
    die("%s: name '%.*s' is longer than %d characters", arg, (int)len, name, DIRSIZ);
  memcpy(out, name, len);
  out[len] = 0;
  if (strcmp(out, ".") == 0 || strcmp(out, "..") == 0)
    die("%s: '%s' cannot be a file name", arg, out);
}

// The subdirectory `name` of directory d, made if it does not exist yet.
// A file already there by that name is an error.
static int
subdir(int d, const char *name, const char *arg, struct input *in, int nin)
{
  for (int i = 1; i < ndirs; i++)
    if (dirs[i].parent == d && strcmp(dirs[i].name, name) == 0)
      return i;
  for (int k = 0; k < nin; k++)
    if (in[k].dir == d && strcmp(in[k].name, name) == 0)
      die("'%s' is both a file (from %s) and a directory (from %s)", name, in[k].arg, arg);
  struct dir *n = &dirs[ndirs];
  strcpy(n->name, name);
  n->parent = d;
  n->arg = arg;
  n->first = nin;
  dirs[d].nsub++;
  dirs[d].nent++;
  return ndirs++;
}

// Read a whole input file into memory and name it: in[i] comes from arg
// (in[0..i-1] are done, for the duplicate checks).
static void
load_input(struct input *ins, int i, const char *arg)
{
  struct input *in = &ins[i];
  const char *path = arg;
  const char *eq = strchr(arg, '=');
  in->arg = arg;
  in->dir = 0;

  if (eq) {
    // DEST=FILE: DEST is the path in the image, made of components
    // separated by '/' (one leading '/' is allowed).
    const char *dest = arg;
    path = eq + 1;
    if (dest == eq)
      die("%s: no name before '='", arg);
    if (*path == 0)
      die("%s: no file after '='", arg);
    if (*dest == '/')
      dest++;
    for (;;) {
      const char *slash = memchr(dest, '/', eq - dest);
      size_t len = (slash ? slash : eq) - dest;
      char comp[DIRSIZ + 1];
      check_name(arg, dest, len, comp);
      if (!slash) {
        strcpy(in->name, comp);
        break;
      }
      in->dir = subdir(in->dir, comp, arg, ins, i);
      dest = slash + 1;
    }
  } else {
    // Name: last path component, minus one leading '_'.
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    if (*base == '_')
      base++;
    check_name(path, base, strlen(base), in->name);
  }
  in->path = path;

  for (int k = 1; k < ndirs; k++)
    if (dirs[k].parent == in->dir && strcmp(dirs[k].name, in->name) == 0)
      die("'%s' is both a file (from %s) and a directory (from %s)", in->name, arg, dirs[k].arg);
  for (int k = 0; k < i; k++)
    if (ins[k].dir == in->dir && strcmp(ins[k].name, in->name) == 0)
      die("duplicate name '%s' (from %s and %s)", in->name, ins[k].arg, arg);
  dirs[in->dir].nent++;

  FILE *fp = fopen(path, "rb");
  if (fp == 0)
    die("%s: cannot open: %s", path, strerror(errno));
  struct stat st;
  if (fstat(fileno(fp), &st) < 0)
    die("%s: cannot stat: %s", path, strerror(errno));
  if (!S_ISREG(st.st_mode))
    die("%s: not a regular file", path);
  if ((unsigned long long)st.st_size > (unsigned long long)MAXFILE * BSIZE)
    die("%s: too big (%lld bytes; the largest file is %llu bytes)", path,
        (long long)st.st_size, (unsigned long long)MAXFILE * BSIZE);

  in->size = st.st_size;
  in->data = malloc(in->size ? in->size : 1);
  if (in->data == 0)
    die("%s: out of memory", path);
  if (in->size && fread(in->data, 1, in->size, fp) != in->size)
    die("%s: read error: %s", path, ferror(fp) ? strerror(errno) : "file shrank");
  fclose(fp);
}

// ---------------------------------------------------------------------------
// Image writing

static struct superblock sb;   // host byte order; converted when written
static unsigned freeblock;     // next data block to hand out
static unsigned char *inodes;  // all inode blocks, in memory until the end

static void
wblock(unsigned bno, const void *buf)
{
  if (bno >= sb.size)
    die("internal error: block %u outside the image", bno);
  ssize_t r = pwrite(imgfd, buf, BSIZE, (off_t)bno * BSIZE);
  if (r != BSIZE)
    die("%s: write error: %s", imgpath, r < 0 ? strerror(errno) : "short write");
}

static unsigned
balloc(void)
{
  if (freeblock >= sb.size)
    die("internal error: out of blocks");   // checked beforehand
  return freeblock++;
}

static struct dinode *
dinode(unsigned inum)
{
  return (struct dinode *)inodes + inum;
}

// Write the contents of inode inum: size bytes from data, block by block,
// with the indirect blocks it needs. Sets size and addrs in the dinode.
static void
write_contents(unsigned inum, const unsigned char *data, size_t size)
{
  struct dinode *din = dinode(inum);
  size_t nb = (size + BSIZE - 1) / BSIZE;
  uint32_t ind[NINDIRECT];          // single-indirect block
  uint32_t root[NINDIRECT];         // double-indirect block
  static uint32_t l2[NINDIRECT][NINDIRECT];   // its second-level blocks
  unsigned indb = 0, rootb = 0;
  unsigned l2b[NINDIRECT];

  memset(ind, 0, sizeof(ind));
  memset(root, 0, sizeof(root));
  memset(l2b, 0, sizeof(l2b));

  for (size_t i = 0; i < nb; i++) {
    unsigned char buf[BSIZE];
    size_t n = size - i * BSIZE < BSIZE ? size - i * BSIZE : BSIZE;
    memset(buf, 0, BSIZE);
    memcpy(buf, data + i * BSIZE, n);
    unsigned b = balloc();
    wblock(b, buf);

    if (i < NDIRECT) {
      din->addrs[i] = le32(b);
    } else if (i < NDIRECT + NINDIRECT) {
      if (indb == 0)
        indb = balloc();
      ind[i - NDIRECT] = le32(b);
    } else {
      size_t d = i - NDIRECT - NINDIRECT;
      if (rootb == 0)
        rootb = balloc();
      size_t j = d / NINDIRECT;
      if (l2b[j] == 0) {
        l2b[j] = balloc();
        root[j] = le32(l2b[j]);
        memset(l2[j], 0, sizeof(l2[j]));
      }
      l2[j][d % NINDIRECT] = le32(b);
    }
  }
  if (indb) {
    wblock(indb, ind);
    din->addrs[NDIRECT] = le32(indb);
  }
  if (rootb) {
    for (size_t j = 0; j < NINDIRECT; j++)
      if (l2b[j])
        wblock(l2b[j], l2[j]);
    wblock(rootb, root);
    din->addrs[NDIRECT + 1] = le32(rootb);
  }
  din->size = le32((uint32_t)size);
}

static void
new_inode(unsigned inum, short type)
{
  struct dinode *din = dinode(inum);
  memset(din, 0, sizeof(*din));
  din->type = (short)le16(type);
  din->nlink = (short)le16(1);
}

// A directory entry; name has at most DIRSIZ characters (NUL-padded, not
// necessarily NUL-terminated, as in the kernel).
static void
set_dirent(struct dirent *de, unsigned inum, const char *name)
{
  memset(de, 0, sizeof(*de));
  de->inum = le16((uint16_t)inum);
  memcpy(de->name, name, strlen(name));
}

int
main(int argc, char *argv[])
{
  unsigned size = FSSIZE, ninodes = 0;
  int opt;

  // Sanity of the on-disk format as compiled here.
  if (sizeof(struct dinode) != 64 || BSIZE % sizeof(struct dinode) != 0 ||
      sizeof(struct dirent) != 16 || sizeof(struct superblock) > BSIZE)
    die("internal error: unexpected on-disk structure sizes");

  while ((opt = getopt(argc, argv, "s:i:")) != -1) {
    switch (opt) {
    case 's':
      size = parse_count(optarg, "size", 1, MAX_SIZE);
      break;
    case 'i':
      ninodes = parse_count(optarg, "inode count", 2, MAX_NINODES);
      break;
    default:
      usage();
    }
  }
  if (argc - optind < 1)
    usage();
  const char *out = argv[optind++];
  int nfiles = argc - optind;

  // Load and check the inputs. Each '/' in an argument may make a directory.
  struct input *in = calloc(nfiles ? nfiles : 1, sizeof(*in));
  size_t maxdirs = 1;
  for (int i = 0; i < nfiles; i++)
    for (const char *c = argv[optind + i]; *c; c++)
      maxdirs += *c == '/';
  dirs = calloc(maxdirs, sizeof(*dirs));
  if (in == 0 || dirs == 0)
    die("out of memory");
  ndirs = 1;   // the root
  for (int i = 0; i < nfiles; i++)
    load_input(in, i, argv[optind + i]);
  int nsubdirs = ndirs - 1;
  int nnodes = nfiles + nsubdirs;   // inodes besides the root

  // Default inode count: DEFAULT_NINODES, or one per 8 blocks on a small image.
  if (ninodes == 0) {
    ninodes = size / 8 < DEFAULT_NINODES ? size / 8 : DEFAULT_NINODES;
    if (ninodes < (unsigned)nnodes + 2)
      ninodes = nnodes + 2;
    if (ninodes > MAX_NINODES)
      ninodes = MAX_NINODES;
  }
  ninodes = (ninodes + IPB - 1) / IPB * IPB;   // fill the last inode block
  if (ninodes > MAX_NINODES)
    ninodes = MAX_NINODES;
  // Inode 0 is unused and inode 1 is the root directory.
  if ((unsigned)nnodes + 2 > ninodes) {
    if (nsubdirs == 0)
      die("too many files: %d files need %d inodes, the image has %u", nfiles, nfiles + 2, ninodes);
    die("too many files: %d files and %d directories need %d inodes, the image has %u",
        nfiles, nsubdirs, nnodes + 2, ninodes);
  }

  // Layout.
  unsigned nlog = LOGBLOCKS + 1;   // header + blocks
  unsigned ninodeblocks = (ninodes + IPB - 1) / IPB;
  unsigned nbitmap = (size + BPB - 1) / BPB;
  unsigned long long nmeta = 2ull + nlog + ninodeblocks + nbitmap;

  unsigned long long need = nmeta;
  for (int d = 0; d < ndirs; d++)
    need += file_blocks((size_t)(dirs[d].nent + 2) * sizeof(struct dirent));
  for (int i = 0; i < nfiles; i++)
    need += file_blocks(in[i].size);
  if (need > size)
    die("image too small: %u blocks, but the file system and its files need %llu", size, need);

  sb.magic = FSMAGIC;
  sb.size = size;
  sb.nblocks = size - nmeta;
  sb.ninodes = ninodes;
  sb.nlog = nlog;
  sb.logstart = 2;
  sb.inodestart = 2 + nlog;
  sb.bmapstart = 2 + nlog + ninodeblocks;
  freeblock = nmeta;

  inodes = calloc(ninodeblocks, BSIZE);
  if (inodes == 0)
    die("out of memory");

  // Create the image: all zeros (boot block, empty log) to begin with.
  imgfd = open(out, O_RDWR | O_CREAT | O_TRUNC, 0666);
  if (imgfd < 0)
    die("%s: cannot create: %s", out, strerror(errno));
  imgpath = out;
  if (ftruncate(imgfd, (off_t)size * BSIZE) < 0)
    die("%s: cannot set size: %s", out, strerror(errno));

  // Super block.
  unsigned char buf[BSIZE];
  struct superblock disk_sb = {
    le32(sb.magic), le32(sb.size), le32(sb.nblocks), le32(sb.ninodes),
    le32(sb.nlog), le32(sb.logstart), le32(sb.inodestart), le32(sb.bmapstart),
  };
  memset(buf, 0, BSIZE);
  memcpy(buf, &disk_sb, sizeof(disk_sb));
  wblock(1, buf);

  // Inode numbers: the root, the files in argument order, then the other
  // directories.
  for (int i = 0; i < nfiles; i++)
    in[i].inum = ROOTINO + 1 + i;
  dirs[0].inum = ROOTINO;
  dirs[0].parent = 0;
  for (int d = 1; d < ndirs; d++)
    dirs[d].inum = ROOTINO + 1 + nfiles + (d - 1);

  // The directories, then the files. A directory lists ".", "..", then
  // its entries in the order the arguments name them.
  for (int d = 0; d < ndirs; d++) {
    size_t n = 0, dsize = (size_t)(dirs[d].nent + 2) * sizeof(struct dirent);
    struct dirent *dir = calloc(dirs[d].nent + 2, sizeof(struct dirent));
    if (dir == 0)
      die("out of memory");
    set_dirent(&dir[n++], dirs[d].inum, ".");
    set_dirent(&dir[n++], dirs[dirs[d].parent].inum, "..");
    for (int i = 0; i < nfiles; i++) {
      for (int k = 1; k < ndirs; k++)
        if (dirs[k].parent == d && dirs[k].first == i)
          set_dirent(&dir[n++], dirs[k].inum, dirs[k].name);
      if (in[i].dir == d)
        set_dirent(&dir[n++], in[i].inum, in[i].name);
    }
    if (n != (size_t)dirs[d].nent + 2)
      die("internal error: directory entries miscounted");
    new_inode(dirs[d].inum, T_DIR);
    // One link from the parent's entry (none for the root), one from
    // each subdirectory's "..": the kernel's mkdir keeps this count.
    dinode(dirs[d].inum)->nlink = (short)le16(1 + dirs[d].nsub);
    write_contents(dirs[d].inum, (unsigned char *)dir, dsize);
    free(dir);
  }

  for (int i = 0; i < nfiles; i++) {
    new_inode(in[i].inum, T_FILE);
    write_contents(in[i].inum, in[i].data, in[i].size);
  }

  // Inode blocks.
  for (unsigned i = 0; i < ninodeblocks; i++)
    wblock(sb.inodestart + i, inodes + (size_t)i * BSIZE);

  // Free bitmap: blocks [0, freeblock) are in use.
  for (unsigned i = 0; i < nbitmap; i++) {
    memset(buf, 0, BSIZE);
    for (unsigned k = 0; k < BPB; k++) {
      unsigned b = i * BPB + k;
      if (b < freeblock)
        buf[k / 8] |= 1 << (k % 8);
    }
    wblock(sb.bmapstart + i, buf);
  }

  if (fsync(imgfd) < 0 || close(imgfd) < 0)
    die("%s: write error: %s", out, strerror(errno));
  return 0;
}

// fsck: check a Pagoda file system image on the host.
//
//   fsck [-n] fs.img
//
// First, as the kernel does at boot, a committed transaction found in the
// log is installed, but only in memory: the image file is never written
// (-n skips this and checks the image as it is). Then it checks:
//
//   - the super block: magic, a layout that fits in the image;
//   - every inode: a known type; a free one has no size, links or blocks;
//   - every block address: inside the data area, and used once in the
//     whole file system (data and indirect blocks alike);
//   - sizes: no data block at or past ceil(size / BSIZE), no size above
//     the largest file, and zeros past the end in the last block;
//   - the bitmap: a block is marked in use exactly when it is metadata or
//     some inode uses it (and no bit is set past the end of the image);
//   - directories: a multiple of the entry size, "." first naming itself,
//     ".." second naming the parent (the root's is the root), no other "."
//     or "..", no empty or duplicate names, every entry naming an
//     allocated inode, every directory named once (a tree);
//   - link counts: nlink equals the entries naming the inode, counting each
//     ".." (so a directory has 1 + its subdirectories), every allocated
//     inode with links is reachable from the root.
//
// An allocated inode with nlink 0 and no entry is an orphan: a file
// unlinked while open, or one whose freeing a crash cut short. The kernel
// frees orphans at boot, so they are reported but are not errors.
//
// Prints one line per violation and exits 1 if there was any (2 if the
// image cannot be read at all); otherwise prints a summary, exits 0.

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "kernel/fs.h"
#include "kernel/param.h"
#define stat pagoda_stat
#include "kernel/stat.h"
#undef stat

#define MAXREPORT 200   // violation lines printed; the rest are counted

static const char *path;
static unsigned char *img;     // the whole image
static uint32_t nblk;          // its size in blocks
static struct superblock sb;
static uint32_t datastart;     // first data block
static long nviol;

static void die(const char *fmt, ...)
{
  va_list ap;
  fprintf(stderr, "fsck: %s: ", path);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\n");
  exit(2);
}

static void bad(const char *fmt, ...)
{
  va_list ap;
  if (++nviol > MAXREPORT)
    return;
  printf("fsck: %s: ", path);
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  printf("\n");
}

static unsigned char *block(uint32_t b)
{
  return img + (size_t)b * BSIZE;
}

static struct dinode *dinode(uint32_t inum)
{
  return (struct dinode *)block(IBLOCK(inum, sb)) + inum % IPB;
}

static const char *tname(int type)
{
  switch (type) {
  case T_DIR: return "directory";
  case T_FILE: return "file";
  case T_DEVICE: return "device";
  default: return "inode";
  }
}

// ---------------------------------------------------------------------------
// The log

struct logheader {
  int n;
  int block[LOGBLOCKS];
};

static int replay_log(void)
{
  struct logheader *lh = (struct logheader *)block(sb.logstart);
  int n = lh->n;
  if (n == 0)
    return 0;
  if (n < 0 || n > (int)sb.nlog - 1 || n > LOGBLOCKS) {
    bad("log header: %d blocks (the log holds %d)", n, (int)sb.nlog - 1);
    return 0;
  }
  for (int i = 0; i < n; i++) {
    uint32_t home = (uint32_t)lh->block[i];
    if (home < sb.inodestart || home >= sb.size) {
      bad("log header: entry %d names block %u, outside inodes, bitmap and data", i, home);
      continue;
    }
    memcpy(block(home), block(sb.logstart + 1 + i), BSIZE);
  }
  return n;
}

// ---------------------------------------------------------------------------
// Blocks of inodes

static uint32_t *owner;    // owner[b]: the inode using block b, 0 if none

// Note that inode inum uses block b (what: "data block 12", "indirect").
// Returns 1 if b may be read as part of the inode.
static int use_block(uint32_t inum, uint32_t b, const char *what, uint32_t idx)
{
  if (b < datastart || b >= sb.size) {
    bad("inode %u: %s %u is block %u, outside the data area [%u, %u)", inum, what, idx, b,
        datastart, sb.size);
    return 0;
  }
  if (owner[b]) {
    if (owner[b] == inum)
      bad("block %u used twice by inode %u (%s %u)", b, inum, what, idx);
    else
      bad("block %u used by inode %u and by inode %u (%s %u)", b, owner[b], inum, what, idx);
    return 0;
  }
  owner[b] = inum;
  return 1;
}

// Visit data block number bn (index in the file) at disk block b.
static void data_block(uint32_t inum, const struct dinode *d, uint32_t bn, uint32_t b)
{
  uint32_t nb = (d->size + BSIZE - 1) / BSIZE;
  if (!use_block(inum, b, "data block", bn))
    return;
  if (bn >= nb) {
    bad("inode %u: data block %u (block %u) is past the size %u", inum, bn, b, d->size);
    return;
  }
  if (bn == nb - 1 && d->size % BSIZE) {
    unsigned char *p = block(b);
    for (uint32_t i = d->size % BSIZE; i < BSIZE; i++)
      if (p[i]) {
        bad("inode %u: byte %u of the last block %u is not zero (past the size %u)", inum, i,
            b, d->size);
        break;
      }
  }
}

static void walk_inode(uint32_t inum, const struct dinode *d)
{
  for (uint32_t i = 0; i < NDIRECT; i++)
    if (d->addrs[i])
      data_block(inum, d, i, d->addrs[i]);
  uint32_t ind = d->addrs[NDIRECT];
  if (ind && use_block(inum, ind, "indirect block", 0)) {
    uint32_t *a = (uint32_t *)block(ind);
    for (uint32_t i = 0; i < NINDIRECT; i++)
      if (a[i])
        data_block(inum, d, NDIRECT + i, a[i]);
  }
  uint32_t root = d->addrs[NDIRECT + 1];
  if (root && use_block(inum, root, "double-indirect block", 0)) {
    uint32_t *r = (uint32_t *)block(root);
    for (uint32_t j = 0; j < NINDIRECT; j++) {
      if (!r[j] || !use_block(inum, r[j], "second-level indirect block", j))
        continue;
      uint32_t *a = (uint32_t *)block(r[j]);
      for (uint32_t i = 0; i < NINDIRECT; i++)
        if (a[i])
          data_block(inum, d, NDIRECT + NINDIRECT + j * NINDIRECT + i, a[i]);
    }
  }
}

// Byte off of inode inum's contents (a directory), or null for a hole.
static unsigned char *file_byte(const struct dinode *d, uint32_t off)
{
  uint32_t bn = off / BSIZE, b = 0;
  if (bn < NDIRECT) {
    b = d->addrs[bn];
  } else if (bn < NDIRECT + NINDIRECT) {
    if (d->addrs[NDIRECT] >= datastart && d->addrs[NDIRECT] < sb.size)
      b = ((uint32_t *)block(d->addrs[NDIRECT]))[bn - NDIRECT];
  } else {
    uint32_t k = bn - NDIRECT - NINDIRECT, root = d->addrs[NDIRECT + 1];
    if (root >= datastart && root < sb.size) {
      uint32_t l2 = ((uint32_t *)block(root))[k / NINDIRECT];
      if (l2 >= datastart && l2 < sb.size)
        b = ((uint32_t *)block(l2))[k % NINDIRECT];
    }
  }
  if (b < datastart || b >= sb.size)
    return 0;
  return block(b) + off % BSIZE;
}

// ---------------------------------------------------------------------------

int main(int argc, char *argv[])
{
  int replay = 1;
  int opt;
  while ((opt = getopt(argc, argv, "n")) != -1) {
    if (opt == 'n')
      replay = 0;
    else {
      fprintf(stderr, "usage: fsck [-n] fs.img\n");
      return 2;
    }
  }
  if (argc - optind != 1) {
    fprintf(stderr, "usage: fsck [-n] fs.img\n");
    return 2;
  }
  path = argv[optind];
  uint16_t one = 1;
  if (*(uint8_t *)&one != 1)
    die("this checker reads the image in host byte order: run it on a little-endian host");

  int fd = open(path, O_RDONLY);
  if (fd < 0)
    die("cannot open: %s", strerror(errno));
  struct stat st;
  if (fstat(fd, &st) < 0)
    die("cannot stat: %s", strerror(errno));
  if (st.st_size < 2 * BSIZE || st.st_size % BSIZE)
    die("size %lld is not a whole number of blocks (at least 2)", (long long)st.st_size);
  nblk = st.st_size / BSIZE;
  img = malloc(st.st_size);
  if (!img)
    die("out of memory");
  for (off_t done = 0; done < st.st_size;) {
    ssize_t r = pread(fd, img + done, st.st_size - done, done);
    if (r <= 0)
      die("read error: %s", r < 0 ? strerror(errno) : "short read");
    done += r;
  }
  close(fd);

  // Super block and layout.
  memcpy(&sb, block(1), sizeof(sb));
  if (sb.magic != FSMAGIC)
    die("bad magic %#x in the super block", sb.magic);
  uint32_t ninodeblocks = (sb.ninodes + IPB - 1) / IPB;
  uint32_t nbitmap = (sb.size + BPB - 1) / BPB;
  if (sb.size > nblk || sb.nlog < 2 || sb.logstart != 2 || sb.inodestart != sb.logstart + sb.nlog ||
      sb.bmapstart != sb.inodestart + ninodeblocks || sb.ninodes < 2 ||
      sb.nblocks != sb.size - (sb.bmapstart + nbitmap) || sb.bmapstart + nbitmap > sb.size)
    die("inconsistent super block: size %u (image %u) nblocks %u ninodes %u nlog %u logstart %u "
        "inodestart %u bmapstart %u", sb.size, nblk, sb.nblocks, sb.ninodes, sb.nlog,
        sb.logstart, sb.inodestart, sb.bmapstart);
  datastart = sb.bmapstart + nbitmap;

  int replayed = replay ? replay_log() : 0;

  owner = calloc(sb.size, sizeof(uint32_t));
  uint32_t *refs = calloc(sb.ninodes, sizeof(uint32_t));     // entries naming the inode
  uint32_t *parent = calloc(sb.ninodes, sizeof(uint32_t));   // directory naming a directory
  uint32_t *queue = calloc(sb.ninodes, sizeof(uint32_t));
  char *seen = calloc(sb.ninodes, 1);
  if (!owner || !refs || !parent || !queue || !seen)
    die("out of memory");

  // Inodes and their blocks.
  uint32_t nused = 0;
  for (uint32_t inum = 1; inum < sb.ninodes; inum++) {
    struct dinode *d = dinode(inum);
    if (d->type == 0) {
      if (d->nlink || d->size)
        bad("inode %u: free, but nlink %d size %u", inum, d->nlink, d->size);
      for (int i = 0; i < NDIRECT + 2; i++)
        if (d->addrs[i]) {
          bad("inode %u: free, but addrs[%d] = %u", inum, i, d->addrs[i]);
          break;
        }
      continue;
    }
    nused++;
    if (d->type != T_DIR && d->type != T_FILE && d->type != T_DEVICE) {
      bad("inode %u: unknown type %d", inum, d->type);
      continue;
    }
    if (d->nlink < 0)
      bad("inode %u: nlink %d", inum, d->nlink);
    if ((uint64_t)d->size > (uint64_t)MAXFILE * BSIZE)
      bad("inode %u: size %u is above the largest file (%u blocks)", inum, d->size,
          (unsigned)MAXFILE);
    walk_inode(inum, d);
  }

  // The bitmap.
  uint32_t nowned = 0;
  for (uint32_t b = 0; b < nbitmap * BPB; b++) {
    int bit = (block(sb.bmapstart + b / BPB)[(b % BPB) / 8] >> (b % 8)) & 1;
    if (b >= sb.size) {
      if (bit)
        bad("bitmap: bit %u set, past the end of the file system (%u blocks)", b, sb.size);
      continue;
    }
    int used = b < datastart || owner[b];
    nowned += owner[b] != 0;
    if (used && !bit)
      bad("bitmap: block %u is free in the bitmap but used by %s", b,
          b < datastart ? "the file system's metadata" : "an inode");
    if (bit && !used)
      bad("bitmap: block %u is marked in use but nothing uses it", b);
  }

  // Directories: walk the tree from the root.
  struct dinode *rootd = dinode(ROOTINO);
  if (rootd->type != T_DIR)
    die("the root (inode %d) is not a directory (type %d)", ROOTINO, rootd->type);
  uint32_t head = 0, tail = 0, ndirs = 0;
  queue[tail++] = ROOTINO;
  seen[ROOTINO] = 1;
  parent[ROOTINO] = ROOTINO;
  while (head < tail) {
    uint32_t dnum = queue[head++];
    struct dinode *d = dinode(dnum);
    ndirs++;
    if (d->size % sizeof(struct dirent) || d->size < 2 * sizeof(struct dirent)) {
      bad("directory %u: size %u is not a whole number of entries (at least 2)", dnum, d->size);
    }
    uint32_t nent = d->size / sizeof(struct dirent);
    for (uint32_t e = 0; e < nent; e++) {
      struct dirent *de = (struct dirent *)file_byte(d, e * sizeof(struct dirent));
      if (!de) {
        bad("directory %u: entry %u lies in a hole", dnum, e);
        continue;
      }
      char name[DIRSIZ + 1];
      memcpy(name, de->name, DIRSIZ);
      name[DIRSIZ] = 0;
      if (e == 0 || e == 1) {
        const char *want = e == 0 ? "." : "..";
        uint32_t inum = e == 0 ? dnum : parent[dnum];
        if (strcmp(name, want) != 0 || de->inum != inum)
          bad("directory %u: entry %u is '%s' -> %u, want '%s' -> %u", dnum, e, name, de->inum,
              want, inum);
        if (e == 1 && de->inum && de->inum < sb.ninodes)
          refs[de->inum]++;
        continue;
      }
      if (de->inum == 0)
        continue;
      if (name[0] == 0 || strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || strchr(name, '/')) {
        bad("directory %u: entry %u has the bad name '%s'", dnum, e, name);
        continue;
      }
      if (de->inum >= sb.ninodes) {
        bad("directory %u: '%s' names inode %u, past the last (%u)", dnum, name, de->inum,
            sb.ninodes - 1);
        continue;
      }
      struct dinode *c = dinode(de->inum);
      if (c->type == 0) {
        bad("directory %u: '%s' names the free inode %u", dnum, name, de->inum);
        continue;
      }
      for (uint32_t f = 2; f < e; f++) {
        struct dirent *o = (struct dirent *)file_byte(d, f * sizeof(struct dirent));
        if (o && o->inum && strncmp(o->name, de->name, DIRSIZ) == 0) {
          bad("directory %u: the name '%s' appears twice (entries %u and %u)", dnum, name, f, e);
          break;
        }
      }
      refs[de->inum]++;
      if (c->type == T_DIR) {
        if (de->inum == ROOTINO || seen[de->inum]) {
          bad("directory %u: '%s' names directory %u, which already has a name", dnum, name,
              de->inum);
          continue;
        }
        parent[de->inum] = dnum;
      }
      if (!seen[de->inum]) {
        seen[de->inum] = 1;
        if (c->type == T_DIR)
          queue[tail++] = de->inum;
      }
    }
  }

  // Link counts, reachability, orphans.
  uint32_t norphans = 0;
  for (uint32_t inum = 1; inum < sb.ninodes; inum++) {
    struct dinode *d = dinode(inum);
    if (d->type == 0)
      continue;   // an entry naming it was reported above
    if (!seen[inum]) {
      if (d->nlink == 0 && refs[inum] == 0) {
        norphans++;
        printf("fsck: %s: note: inode %u (%s, size %u) is an orphan (nlink 0, no name): the "
               "kernel frees it at boot\n", path, inum, tname(d->type), d->size);
      } else {
        bad("inode %u (%s, nlink %d) is not reachable from the root", inum, tname(d->type),
            d->nlink);
      }
      continue;
    }
    if ((uint32_t)d->nlink != refs[inum])
      bad("inode %u (%s): nlink %d, but %u entries name it", inum, tname(d->type), d->nlink,
          refs[inum]);
  }

  if (nviol > MAXREPORT)
    printf("fsck: %s: ... and %ld more violations\n", path, nviol - MAXREPORT);
  if (nviol) {
    printf("fsck: %s: %ld violations\n", path, nviol);
    return 1;
  }
  printf("fsck: %s: clean: %u blocks (%u data), %u of %u inodes in use (%u directories, "
         "%u orphans), %u data blocks in use%s\n", path, sb.size, sb.nblocks, nused,
         sb.ninodes - 1, ndirs, norphans, nowned,
         replayed ? ", a committed log replayed in memory" : "");
  return 0;
}

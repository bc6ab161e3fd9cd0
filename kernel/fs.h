#ifndef PAGODA_FS_H
#define PAGODA_FS_H
// On-disk file system format, shared by the kernel, mkfs and user programs.
// Layout: [ boot block | super block | log | inode blocks | free bit map | data blocks ]

#define ROOTINO  1     // root i-number
#define BSIZE 1024     // block size
#define FSMAGIC 0x10203040

struct superblock {
  unsigned int magic;      // Must be FSMAGIC
  unsigned int size;       // Size of file system image (blocks)
  unsigned int nblocks;    // Number of data blocks
  unsigned int ninodes;    // Number of inodes.
  unsigned int nlog;       // Number of log blocks
  unsigned int logstart;   // Block number of first log block
  unsigned int inodestart; // Block number of first inode block
  unsigned int bmapstart;  // Block number of first free map block
};

#define NDIRECT 11
#define NINDIRECT (BSIZE / sizeof(unsigned int))
#define NDINDIRECT (NINDIRECT * NINDIRECT)
#define MAXFILE (NDIRECT + NINDIRECT + NDINDIRECT)   // 65803 blocks

// On-disk inode structure (64 bytes)
struct dinode {
  short type;           // File type
  short major;          // Major device number (T_DEVICE only)
  short minor;          // Minor device number (T_DEVICE only)
  short nlink;          // Number of links to inode in file system
  unsigned int size;    // Size of file (bytes)
  unsigned int addrs[NDIRECT+2];   // direct, single-indirect, double-indirect
};

#define IPB           (BSIZE / sizeof(struct dinode))   // inodes per block
#define IBLOCK(i, sb)     ((i) / IPB + sb.inodestart)  // block containing inode i
#define BPB           (BSIZE*8)                          // bitmap bits per block
#define BBLOCK(b, sb) ((b)/BPB + sb.bmapstart)          // block of free map containing bit for block b

#define DIRSIZ 14
struct dirent {
  unsigned short inum;
  char name[DIRSIZ];
};
#endif

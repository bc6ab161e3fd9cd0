#ifndef PAGODA_DTB_H
#define PAGODA_DTB_H
// What the kernel learns from the flattened device tree OpenSBI hands it.
#include "kernel/types.h"
struct bootinfo {
  uint64 ram_base, ram_size;
  int    nharts;
  uint64 hartids;            // bit mask of hart ids found under /cpus
  char   bootargs[256];
  uint64 test_dev;           // sifive,test physical address, 0 if none
  uint64 dtb_pa, dtb_size;
};
extern struct bootinfo bootinfo;
void dtb_parse(uint64 dtb_pa);
const char *bootarg(const char *key);   // value of key=value before " -- ", or 0
uint64 bootarg_num(const char *key);   // its decimal value, 0 if absent
const char *bootcmd(void);              // what follows " -- ", or 0
#endif

// A small flattened-device-tree reader: memory size, harts, bootargs and
// the exit-status device. Format: devicetree.org specification, "FDT".
#include "kernel/boot/dtb.h"
#include "kernel/lib/klib.h"
#include "kernel/memlayout.h"

struct bootinfo bootinfo;

#define FDT_MAGIC      0xd00dfeed
#define FDT_BEGIN_NODE 1
#define FDT_END_NODE   2
#define FDT_PROP       3
#define FDT_NOP        4
#define FDT_END        9

static uint32 be32(const void *p)
{
  const uchar *b = p;
  return ((uint32)b[0] << 24) | ((uint32)b[1] << 16) | ((uint32)b[2] << 8) | b[3];
}

static uint64 be64(const void *p)
{
  return ((uint64)be32(p) << 32) | be32((const uchar *)p + 4);
}

static int prefix(const char *s, const char *pre)
{
  return strncmp(s, pre, strlen(pre)) == 0;
}

// Does a NUL-separated string list contain want?
static int has_string(const char *list, int len, const char *want)
{
  for (int i = 0; i < len; i += strlen(list + i) + 1)
    if (strncmp(list + i, want, 64) == 0)
      return 1;
  return 0;
}

void dtb_parse(uint64 dtb_pa)
{
  const uchar *fdt = P2V(dtb_pa);
  if (be32(fdt) != FDT_MAGIC)
    panic("dtb: bad magic at %p", (void *)dtb_pa);
  bootinfo.dtb_pa = dtb_pa;
  bootinfo.dtb_size = be32(fdt + 4);
  const uchar *structs = fdt + be32(fdt + 8);
  const char *strings = (const char *)fdt + be32(fdt + 12);

  // Track the path one level at a time: enough for /memory, /cpus/cpu@N,
  // /chosen and /soc/test.
  char names[8][32];
  int depth = -1;
  const uchar *p = structs;
  for (;;) {
    uint32 tok = be32(p);
    p += 4;
    if (tok == FDT_BEGIN_NODE) {
      depth++;
      const char *name = (const char *)p;
      if (depth < 8)
        safestrcpy(names[depth], name, sizeof names[0]);
      p += (strlen(name) + 4) & ~3;
      if (depth == 2 && prefix(names[1], "cpus") && prefix(names[2], "cpu@")) {
        bootinfo.nharts++;
      }
    } else if (tok == FDT_END_NODE) {
      depth--;
    } else if (tok == FDT_PROP) {
      uint32 len = be32(p);
      const char *pname = strings + be32(p + 4);
      const uchar *val = p + 8;
      p += 8 + ((len + 3) & ~3);
      if (depth == 1 && prefix(names[1], "memory") && strncmp(pname, "reg", 4) == 0 && len >= 16) {
        bootinfo.ram_base = be64(val);
        bootinfo.ram_size = be64(val + 8);
      } else if (depth == 1 && strncmp(names[1], "chosen", 7) == 0 && strncmp(pname, "bootargs", 9) == 0) {
        safestrcpy(bootinfo.bootargs, (const char *)val, MIN(len + 1, sizeof bootinfo.bootargs));
      } else if (depth == 2 && prefix(names[1], "cpus") && prefix(names[2], "cpu@") &&
                 strncmp(pname, "reg", 4) == 0) {
        uint32 id = be32(val);
        if (id < 64)
          bootinfo.hartids |= 1UL << id;
      } else if (depth >= 1 && strncmp(pname, "compatible", 11) == 0 &&
                 has_string((const char *)val, len, "sifive,test0")) {
        // the unit address in the node name ("test@100000") is its base
        const char *at = names[depth < 8 ? depth : 7];
        while (*at && *at != '@')
          at++;
        uint64 a = 0;
        for (at = *at ? at + 1 : at; *at; at++)
          a = a * 16 + (*at <= '9' ? *at - '0' : (*at | 0x20) - 'a' + 10);
        bootinfo.test_dev = a;
      }
    } else if (tok == FDT_NOP) {
      continue;
    } else {
      break;   // FDT_END or garbage
    }
  }
  if (bootinfo.ram_size == 0)
    panic("dtb: no /memory node");
}

// Boot arguments: "key=value key=value -- command line for init".
static const char *cmdstart(void)
{
  const char *s = bootinfo.bootargs;
  if (strncmp(s, "-- ", 3) == 0)
    return s;
  for (; *s; s++)
    if (strncmp(s, " -- ", 4) == 0)
      return s + 1;
  return 0;
}

const char *bootcmd(void)
{
  const char *s = cmdstart();
  return s ? s + 3 : 0;
}

const char *bootarg(const char *key)
{
  const char *end = cmdstart();
  int klen = strlen(key);
  for (const char *s = bootinfo.bootargs; *s && (!end || s < end); s++) {
    if ((s == bootinfo.bootargs || s[-1] == ' ') && strncmp(s, key, klen) == 0 && s[klen] == '=')
      return s + klen + 1;
  }
  return 0;
}

// The decimal value of bootarg key, 0 if it is absent.
uint64 bootarg_num(const char *key)
{
  uint64 v = 0;
  for (const char *s = bootarg(key); s && *s >= '0' && *s <= '9'; s++)
    v = v * 10 + (*s - '0');
  return v;
}

// tlbmodel: replays a Pagoda TLB trace (bootarg tlbtrace=1, kernel/mm/tlbtrace.c)
// against a conservative model of per-hart, ASID-tagged TLBs and reports
// every point where a hart could use a stale translation.
//
//   tlbmodel [-q] < console-output
//
// Lines that do not start with "TT " are ignored, so a whole console log
// can be piped in. Events (all numbers hex):
//   TT P hart space va old new pid a user leaf PTE of space changed
//   TT F hart kind asid va size mask pid
//                                  a fence: 1 page, 2 asid, 3 all (this
//                                  hart); 4 SBI remote fence of
//                                  [va, va+size) (size -1: all) on mask
//   TT S hart space asid           this hart's satp now names space/asid
//   TT R hart pid                  the scheduler runs pid on this hart
//   TT U hart pid                  pid returns to user mode on this hart
//   TT X pa                        frame pa went back to the free list
//   TT D hart space asid           space is dead for good: its ASID is
//                                  retired (kernel/mm/tlb.c:tlb_retire)
// (pid may be missing: 0.)
//
// The model (docs/book/07-tlb.md, "The TLB model"): while a hart's satp names
// space S with ASID A it may hold (A, va) -> any valid PTE value of S that
// it could have walked since it switched to S. Entries are tagged by ASID
// and survive satp switches, as on hardware (QEMU flushes on every satp
// write and so hides this). Only fences remove them. Violations:
//   (a) a frame is freed while some hart may hold an entry pointing at it
//       (or a PTE still maps it), unless the entry is of a dead space
//       (TT D): no hart runs that space again (its own process may
//       go on in the kernel, TT R, until its exit is done), and reusing
//       its ASID while a hart still holds such an entry is a (b);
//   (b) a hart starts running (TT R/U) with ASID A while it may hold
//       entries tagged A that came from another space (ASID reuse without
//       a flush);
//   (c) a hart returns to user (or runs a process) while an entry of its
//       current ASID allows more than its space's PTE for that va (points
//       at another frame, or has R/W/X/U the PTE no longer has). If the
//       change was made by a process whose operation is still under way
//       (it has not returned to user since, nor fenced that page
//       remotely), the check waits for that operation: its remote fence
//       must include this hart.
// Exit status: 0 no violation, 1 violations, 2 usage or internal error.
// Trace lines that cannot be parsed (user output written into the middle
// of one) are shown and counted in the summary line.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <inttypes.h>

typedef uint64_t u64;

#define MAXHART 64
#define PGSIZE  4096
#define PTE_V   0x1
#define PTE_R   0x2
#define PTE_W   0x4
#define PTE_X   0x8
#define PTE_U   0x10
#define PTE_A   0x40
#define PTE_D   0x80
#define RIGHTS  (PTE_R | PTE_W | PTE_X | PTE_U)
#define PTE_PA(p) ((u64)(p) >> 10 << 12 & (u64)0x00FFFFFFFFFFF000)
#define ALL     ((u64)-1)

// ---- a hash map of (k1, k2) -> node, chained, grows by doubling ----

struct node {
  struct node *next;
  u64 k1, k2;
  u64 val;        // map-specific: a PTE, a count
  u64 aux;        // map-specific: last writer
  u64 aux2;       // map-specific: latest plog index + 1
  long ev;        // map-specific: event of the last change
  void *ptr;      // map-specific: a struct tlb or struct ent
};

struct map {
  struct node **tab;
  size_t cap, n;
};

static void *xcalloc(size_t n, size_t sz)
{
  void *p = calloc(n, sz);
  if (!p) {
    fprintf(stderr, "tlbmodel: out of memory\n");
    exit(2);
  }
  return p;
}

static size_t hash2(u64 a, u64 b)
{
  u64 h = a * 0x9E3779B97F4A7C15ULL ^ (b + 0x632BE59BD9B4E019ULL) * 0xC2B2AE3D27D4EB4FULL;
  return (size_t)(h ^ h >> 29);
}

static struct node *map_get(struct map *m, u64 k1, u64 k2)
{
  if (!m->cap)
    return 0;
  for (struct node *n = m->tab[hash2(k1, k2) & (m->cap - 1)]; n; n = n->next)
    if (n->k1 == k1 && n->k2 == k2)
      return n;
  return 0;
}

static void map_grow(struct map *m)
{
  size_t cap = m->cap ? m->cap * 2 : 16;
  struct node **tab = xcalloc(cap, sizeof *tab);
  for (size_t i = 0; i < m->cap; i++) {
    struct node *n = m->tab[i], *next;
    for (; n; n = next) {
      next = n->next;
      size_t b = hash2(n->k1, n->k2) & (cap - 1);
      n->next = tab[b];
      tab[b] = n;
    }
  }
  free(m->tab);
  m->tab = tab;
  m->cap = cap;
}

// The node for (k1, k2), created zeroed if absent.
static struct node *map_put(struct map *m, u64 k1, u64 k2)
{
  struct node *n = map_get(m, k1, k2);
  if (n)
    return n;
  if (m->n + 1 > m->cap)
    map_grow(m);
  n = xcalloc(1, sizeof *n);
  n->k1 = k1;
  n->k2 = k2;
  size_t b = hash2(k1, k2) & (m->cap - 1);
  n->next = m->tab[b];
  m->tab[b] = n;
  m->n++;
  return n;
}

static void map_del(struct map *m, u64 k1, u64 k2)
{
  if (!m->cap)
    return;
  struct node **pp = &m->tab[hash2(k1, k2) & (m->cap - 1)];
  for (; *pp; pp = &(*pp)->next)
    if ((*pp)->k1 == k1 && (*pp)->k2 == k2) {
      struct node *n = *pp;
      *pp = n->next;
      free(n);
      m->n--;
      return;
    }
}

// Every node, in an order that survives deleting the node being visited
// (collect first: callers delete while walking).
static struct node **map_nodes(struct map *m, size_t *count)
{
  struct node **v = xcalloc(m->n + 1, sizeof *v);
  size_t k = 0;
  for (size_t i = 0; i < m->cap; i++)
    for (struct node *n = m->tab[i]; n; n = n->next)
      v[k++] = n;
  *count = k;
  return v;
}

static int in_range(u64 va, u64 start, u64 size)
{
  return size == ALL || (va >= start && va - start < size);
}

static void map_clear(struct map *m)
{
  for (size_t i = 0; i < m->cap; i++) {
    struct node *n = m->tab[i], *next;
    for (; n; n = next) {
      next = n->next;
      free(n);
    }
    m->tab[i] = 0;
  }
  m->n = 0;
}

// Visit the nodes of m, keyed (k1, va) with k1 one of keys[0..nkeys)
// (ALL: any), whose va is in [start, start+size): by lookup for a few
// pages, else by a walk of m. fn may delete the node it is given.
static void map_range(struct map *m, const u64 *keys, int nkeys, u64 start, u64 size,
                      void (*fn)(struct map *, struct node *, void *), void *arg)
{
  if (!m->n)
    return;
  int lookup = size != ALL && size / PGSIZE <= 64 && (size / PGSIZE) * nkeys < m->n;
  for (int i = 0; i < nkeys; i++)
    if (keys[i] == ALL)
      lookup = 0;
  if (lookup) {
    for (u64 va = start & ~(u64)(PGSIZE - 1); va < start + size; va += PGSIZE)
      for (int i = 0; i < nkeys; i++) {
        struct node *n = map_get(m, keys[i], va);
        if (n)
          fn(m, n, arg);
      }
    return;
  }
  size_t k;
  struct node **v = map_nodes(m, &k);
  for (size_t i = 0; i < k; i++) {
    int want = 0;
    for (int j = 0; j < nkeys && !want; j++)
      want = keys[j] == ALL || v[i]->k1 == keys[j];
    if (want && in_range(v[i]->k2, start, size))
      fn(m, v[i], arg);
  }
  free(v);
}

// ---- the state ----

struct val {
  u64 space, pte;
};

// The values (hart, asid, va) may translate to.
struct ent {
  int n, cap;
  struct val *v;
};

// One hart's entries for one ASID: va -> struct ent.
struct tlb {
  u64 asid;
  struct map ents;
  // What the next use (TT R/U) must look at: the vas whose values were
  // added or whose PTE changed since the last check, or everything
  // (full) after the hart switched to this ASID. Checking every entry
  // at every return to user would cost entries x returns.
  struct map suspect;
  int full;
};

// A PTE change another process made that a return to user found an
// entry still allowing; it stays open until that process fences it or
// finishes what it was doing.
struct cand {
  int hart;          // whose entry
  u64 asid, va, space, pte;
  long ev;           // the TT U/R event that found it
  long pev;          // the PTE change
  u64 pid;           // who made it
  int user;          // found at a return to user (else: TT R)
};

struct hart {
  int seen;
  u64 space, asid;    // what satp names (space 0: the kernel's table)
  long last_ev;       // this hart's previous event
  struct map tlbs;    // asid -> struct tlb
};

// A process's kernel work since it last returned to user: an operation
// may be preempted and go on on another hart, so it is followed by pid.
struct op {
  long last_ev;       // this process's previous event
  // Rights-reducing PTE changes not yet fenced remotely: (space id, va).
  struct map inflight;
  // Candidates waiting for this operation: (hart | asid << 8, va) -> cand.
  struct map deferred;
  // PTEs it changed: (space id, va) -> val = its latest change's plog
  // index + 1. Every earlier change of that PTE (by anyone: they are
  // serialized by as->ptlock) stored before its own did.
  struct map mine;
};

// A space is named by its root table, and a root table is reused after
// the space dies: entries and history carry the incarnation too (id).
#define ROOT(id) ((id) & (((u64)1 << 48) - 1))
struct space {
  u64 root;
  u64 id;             // root | incarnation << 48
  u64 asid;           // as last seen in a TT S
  int asid_known;
  struct map ptes;    // (va, 0) -> val = PTE, aux = writer, ev = event
};

struct plog {         // a PTE change: its old value may still be walked
  long ev;
  u64 space, va, old;
  u64 fenced;         // harts the writer fenced for it since (bit per hart)
  size_t prev;        // the previous change of this PTE + 1 (0: none)
};

static struct hart harts[MAXHART];
static int nharts_seen;
static struct map ops;          // (pid, 0) -> struct op
static struct map spaces;       // (root, 0) -> struct space
static struct map asids;        // (asid, 0) -> val = id of the space last run with it
static int nspaces;
static struct map retired;      // (space id, 0): dead spaces (TT D)
static struct map cached;       // (pa, 0) -> val = how many entry values point at pa
static struct plog *plog;
static size_t nplog, capplog;

static long ev;                 // events read
static long lineno;
static long nviol[3];
static long nbad, ninconsistent;
static int quiet;

#define SHOW_MAX 20             // violations printed per kind

static int show(int kind)
{
  nviol[kind]++;
  return !quiet && nviol[kind] <= SHOW_MAX;
}

static struct space *space_get(u64 root)
{
  struct node *n = map_put(&spaces, root, 0);
  if (!n->ptr) {
    struct space *s = xcalloc(1, sizeof *s);
    s->root = root;
    s->id = root;
    n->ptr = s;
    nspaces++;
  }
  return n->ptr;
}

static struct op *op_get(u64 pid)
{
  struct node *n = map_put(&ops, pid, 0);
  if (!n->ptr)
    n->ptr = xcalloc(1, sizeof(struct op));
  return n->ptr;
}

// The space an entry names, if that incarnation is still alive.
static struct space *space_by_id(u64 id)
{
  struct space *s = space_get(ROOT(id));
  return s->id == id ? s : 0;
}

static u64 pte_of(struct space *s, u64 va)
{
  struct node *n = map_get(&s->ptes, va, 0);
  return n ? n->val : 0;
}

// e allows something p does not: p is invalid, names another frame, or
// lacks one of e's rights.
static int excess(u64 e, u64 p)
{
  if (!(e & PTE_V))
    return 0;
  if (!(p & PTE_V) || PTE_PA(e) != PTE_PA(p))
    return 1;
  return (e & RIGHTS & ~p) != 0;
}

static struct hart *hart(unsigned h)
{
  if (h >= MAXHART) {   // a checked line cannot say this: a bug here
    fprintf(stderr, "tlbmodel: line %ld: hart %u out of range\n", lineno, h);
    exit(2);
  }
  if (!harts[h].seen) {
    harts[h].seen = 1;
    nharts_seen++;
  }
  return &harts[h];
}

// ---- entries ----

static void count_pa(u64 pte, int d)
{
  struct node *n = map_put(&cached, PTE_PA(pte), 0);
  n->val += d;
  if (!n->val)
    map_del(&cached, PTE_PA(pte), 0);
}

static void add_val(int h, u64 asid, u64 va, u64 space, u64 pte)
{
  if (!(pte & PTE_V))
    return;
  struct node *tn = map_put(&harts[h].tlbs, asid, 0);
  if (!tn->ptr) {
    struct tlb *t = xcalloc(1, sizeof *t);
    t->asid = asid;
    tn->ptr = t;
  }
  struct tlb *t = tn->ptr;
  struct node *en = map_put(&t->ents, va, 0);
  if (!en->ptr)
    en->ptr = xcalloc(1, sizeof(struct ent));
  struct ent *e = en->ptr;
  for (int i = 0; i < e->n; i++)
    if (e->v[i].space == space && e->v[i].pte == pte)
      return;
  if (e->n == e->cap) {
    e->cap = e->cap ? 2 * e->cap : 2;
    e->v = realloc(e->v, e->cap * sizeof *e->v);
    if (!e->v) {
      fprintf(stderr, "tlbmodel: out of memory\n");
      exit(2);
    }
  }
  e->v[e->n].space = space;
  e->v[e->n].pte = pte;
  e->n++;
  count_pa(pte, 1);
  map_put(&t->suspect, va, 0);
}

// The PTE of space s at va changed: values held for it may be stale now.
static void mark_changed(struct space *s, u64 va)
{
  if (!s->asid_known)
    return;    // never run yet: no hart holds anything of it
  for (int h = 0; h < MAXHART; h++) {
    if (!harts[h].seen)
      continue;
    struct node *tn = map_get(&harts[h].tlbs, s->asid, 0);
    if (tn && map_get(&((struct tlb *)tn->ptr)->ents, va, 0))
      map_put(&((struct tlb *)tn->ptr)->suspect, va, 0);
  }
}

static void drop_ent(struct tlb *t, u64 va)
{
  struct node *en = map_get(&t->ents, va, 0);
  if (!en)
    return;
  struct ent *e = en->ptr;
  for (int i = 0; i < e->n; i++)
    count_pa(e->v[i].pte, -1);
  free(e->v);
  free(e);
  map_del(&t->ents, va, 0);
  map_del(&t->suspect, va, 0);
}

// Forget one value (a violation reported once is not reported again).
static void drop_val(int h, u64 asid, u64 va, u64 space, u64 pte)
{
  struct node *tn = map_get(&harts[h].tlbs, asid, 0);
  if (!tn)
    return;
  struct tlb *t = tn->ptr;
  struct node *en = map_get(&t->ents, va, 0);
  if (!en)
    return;
  struct ent *e = en->ptr;
  for (int i = 0; i < e->n; i++)
    if (e->v[i].space == space && e->v[i].pte == pte) {
      count_pa(pte, -1);
      e->v[i] = e->v[--e->n];
      break;
    }
  if (!e->n)
    drop_ent(t, va);
}

static void drop_tlb(int h, u64 asid)
{
  struct node *tn = map_get(&harts[h].tlbs, asid, 0);
  if (!tn)
    return;
  struct tlb *t = tn->ptr;
  size_t k;
  struct node **v = map_nodes(&t->ents, &k);
  for (size_t i = 0; i < k; i++)
    drop_ent(t, v[i]->k1);
  free(v);
  v = map_nodes(&t->suspect, &k);
  for (size_t i = 0; i < k; i++)
    free(v[i]);
  free(v);
  free(t->ents.tab);
  free(t->suspect.tab);
  free(t);
  map_del(&harts[h].tlbs, asid, 0);
}

// Remove (asid, [start, start+size)) from hart h; asid ALL: every ASID.
static void fence(int h, u64 asid, u64 start, u64 size)
{
  struct hart *hp = &harts[h];
  if (asid == ALL) {
    size_t k;
    struct node **v = map_nodes(&hp->tlbs, &k);
    for (size_t i = 0; i < k; i++)
      drop_tlb(h, v[i]->k1);
    free(v);
    return;
  }
  if (size == ALL) {
    drop_tlb(h, asid);
    return;
  }
  struct node *tn = map_get(&hp->tlbs, asid, 0);
  if (!tn)
    return;
  struct tlb *t = tn->ptr;
  if (size / PGSIZE <= 64) {
    for (u64 va = start & ~(u64)(PGSIZE - 1); va < start + size; va += PGSIZE)
      drop_ent(t, va);
  } else {
    size_t k;
    struct node **v = map_nodes(&t->ents, &k);
    for (size_t i = 0; i < k; i++)
      if (in_range(v[i]->k1, start, size))
        drop_ent(t, v[i]->k1);
    free(v);
  }
  if (!t->ents.n)
    drop_tlb(h, asid);
}

// The first index of plog with ev > after.
static size_t plog_from(long after)
{
  size_t lo = 0, hi = nplog;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (plog[mid].ev > after)
      hi = mid;
    else
      lo = mid + 1;
  }
  return lo;
}

// Hart h, whose satp names a space, may walk its PTEs from some moment
// after event `since` on: give it every currently valid PTE in the range,
// and every value a PTE held after `since` (the walk may have come before
// a change whose line was printed before ours).
static void refill(int h, u64 asid, u64 start, u64 size, long since)
{
  struct hart *hp = &harts[h];
  if (!hp->space)
    return;
  if (asid != ALL && asid != hp->asid)
    return;
  struct space *s = space_get(hp->space);
  if (size != ALL && size / PGSIZE <= 64) {
    for (u64 va = start & ~(u64)(PGSIZE - 1); va < start + size; va += PGSIZE)
      add_val(h, hp->asid, va, s->id, pte_of(s, va));
  } else {
    for (size_t i = 0; i < s->ptes.cap; i++)
      for (struct node *n = s->ptes.tab[i]; n; n = n->next)
        if (in_range(n->k1, start, size))
          add_val(h, hp->asid, n->k1, s->id, n->val);
  }
  for (size_t i = plog_from(since); i < nplog; i++)
    if (plog[i].space == s->id && in_range(plog[i].va, start, size) &&
        !(plog[i].fenced >> h & 1))
      add_val(h, hp->asid, plog[i].va, s->id, plog[i].old);
}

// ---- violations ----

// Every entry value that points at pa: (a).
static void report_freed(u64 pa)
{
  for (int h = 0; h < MAXHART; h++) {
    if (!harts[h].seen)
      continue;
    size_t nt;
    struct node **tv = map_nodes(&harts[h].tlbs, &nt);
    for (size_t i = 0; i < nt; i++) {
      struct tlb *t = tv[i]->ptr;
      u64 asid = t->asid;
      size_t ne;
      struct node **evv = map_nodes(&t->ents, &ne);
      for (size_t j = 0; j < ne; j++) {
        struct ent *e = evv[j]->ptr;
        u64 va = evv[j]->k1;
        for (int k = 0; k < e->n; k++) {
          struct val x = e->v[k];
          if (PTE_PA(x.pte) != pa || map_get(&retired, x.space, 0))
            continue;
          if (show(0))
            printf("tlbmodel: event %ld (line %ld): (a) frame %#" PRIx64 " freed while hart %d may "
                   "cache asid %" PRIx64 " va %#" PRIx64 " -> pte %#" PRIx64 " of space %#" PRIx64 "%s\n",
                   ev, lineno, pa, h, asid, va, x.pte, ROOT(x.space),
                   space_by_id(x.space) && pte_of(space_by_id(x.space), va) == x.pte ?
                   " (the PTE still maps it)" : "");
          drop_val(h, asid, va, x.space, x.pte);
          k = -1;            // e may be gone or reordered: rescan
          if (!map_get(&t->ents, va, 0))
            break;
        }
      }
      free(evv);
    }
    free(tv);
  }
}

// A hart about to use its TLB for its current ASID (TT R, TT U).
static void check_use(int h, u64 pid, int user)
{
  const char *what = user ? "returns to user in" : "runs a process in";
  struct hart *hp = &harts[h];
  if (!hp->space)
    return;
  struct node *tn = map_get(&hp->tlbs, hp->asid, 0);
  if (!tn)
    return;
  struct tlb *t = tn->ptr;
  struct space *s = space_get(hp->space);
  // A process in a dead space only finishes its exit (or exec) in the
  // kernel: it may sleep in the teardown and be run again there, but it
  // touches no user page. Returning to user there is still checked.
  if (!user && map_get(&retired, s->id, 0))
    return;
  size_t ne;
  struct node **evv = map_nodes(t->full ? &t->ents : &t->suspect, &ne);
  t->full = 0;
  for (size_t j = 0; j < ne; j++) {
    u64 va = evv[j]->k1;
    map_del(&t->suspect, va, 0);
    struct node *en = map_get(&t->ents, va, 0);
    if (!en)
      continue;
    struct ent *e = en->ptr;
    for (int k = 0; k < e->n; k++) {
      struct val x = e->v[k];
      if (x.space != s->id) {
        if (show(1))
          printf("tlbmodel: event %ld (line %ld): (b) hart %d %s space %#" PRIx64 " with asid %" PRIx64
                 " but may cache va %#" PRIx64 " -> pte %#" PRIx64 " (pa %#" PRIx64 ") of space %#" PRIx64 "\n",
                 ev, lineno, h, what, s->root, hp->asid, va, x.pte, PTE_PA(x.pte), ROOT(x.space));
      } else {
        struct node *pn = map_get(&s->ptes, va, 0);
        u64 cur = pn ? pn->val : 0;
        if (!excess(x.pte, cur))
          continue;
        u64 w = pn ? pn->aux : 0;
        // The process that changed this PTE may still be in the middle
        // of the operation (between its PTE store and its remote fence:
        // a truncation by another process, or this very process resumed
        // on another hart inside tlb_flush_page). The window is real on
        // hardware but harmless if the fence reaches this hart before the
        // process goes on, and before the frame is reused, which (a)
        // checks: wait for that process's remote fence or its return.
        // (Returning to user ends its own work: no waiting for itself.)
        if (pn && !(user && w == pid) && map_get(&op_get(w)->inflight, s->id, va)) {
          struct node *cn = map_put(&op_get(w)->deferred, (u64)h | hp->asid << 8, va);
          if (!cn->ptr) {
            struct cand *c = xcalloc(1, sizeof *c);
            *c = (struct cand){ h, hp->asid, va, s->id, x.pte, ev, pn->ev, w, user };
            cn->ptr = c;
          }
          continue;
        }
        if (show(2))
          printf("tlbmodel: event %ld (line %ld): (c) hart %d %s space %#" PRIx64 " asid %" PRIx64
                 " and may cache va %#" PRIx64 " -> pte %#" PRIx64 " but the PTE is %#" PRIx64
                 " (changed at event %ld by pid %#" PRIx64 ")\n",
                 ev, lineno, h, what, s->root, hp->asid, va, x.pte, cur, pn ? pn->ev : 0L, w);
      }
      drop_val(h, hp->asid, va, x.space, x.pte);
      k = -1;
      if (!map_get(&t->ents, va, 0))
        break;
    }
  }
  free(evv);
}

// A deferred candidate whose changing process finished without fencing it.
// It counts even if the entry has gone since (the hart fenced for its
// own reasons): it was usable between the return to user and then.
static void cand_fail(struct cand *c, const char *why)
{
  if (show(2))
    printf("tlbmodel: event %ld (line %ld): (c) hart %d %s at event %ld in space %#" PRIx64
           " asid %" PRIx64 " holding va %#" PRIx64 " -> pte %#" PRIx64 " after pid %#" PRIx64 " changed the PTE"
           " at event %ld, and %s\n", ev, lineno, c->hart, c->user ? "returned to user" : "ran a process",
           c->ev, ROOT(c->space), c->asid, c->va, c->pte, c->pid, c->pev, why);
  drop_val(c->hart, c->asid, c->va, c->space, c->pte);
}

// Process w's kernel work is over (it returns to user, or the trace
// ends): changes it left unfenced on a hart that held them are failures.
static void boundary(u64 w)
{
  struct op *wp = op_get(w);
  size_t k;
  struct node **v = map_nodes(&wp->deferred, &k);
  for (size_t i = 0; i < k; i++) {
    struct cand *c = v[i]->ptr;
    char why[128];
    snprintf(why, sizeof why, "pid %#" PRIx64 " went on (event %ld) without fencing hart %d", w, ev, c->hart);
    cand_fail(c, why);
    free(c);
  }
  free(v);
  map_clear(&wp->deferred);
  map_clear(&wp->inflight);
}

// Process w fenced harts `mask` for (asid, [va, va+size)) (asid ALL:
// every ASID). A PTE change w made before (in program order, so its store
// came before the fence) can no longer be walked in its old form by those
// harts: a walk before the fence was dropped by it, a walk after it sees
// the new value.
// The marks only grow towards older changes of a PTE (each walk marks
// all older ones), so a walk stops at the first that already has them.
static void fenced_one(struct map *m, struct node *n, void *arg)
{
  u64 mask = *(u64 *)arg;
  (void)m;
  for (size_t i = n->val; i && (plog[i - 1].fenced & mask) != mask; i = plog[i - 1].prev)
    plog[i - 1].fenced |= mask;
}

// The space ids an ASID (ALL: any) may name in a fence.
static u64 asid_space(u64 asid)
{
  if (asid == ALL)
    return ALL;
  struct node *n = map_get(&asids, asid, 0);
  return n ? n->val : ~(u64)1;   // never run: matches nothing
}

static void mark_fenced(u64 w, u64 mask, u64 asid, u64 va, u64 size)
{
  u64 key = asid_space(asid);
  map_range(&op_get(w)->mine, &key, 1, va, size, fenced_one, &mask);
}

// ---- events ----

static void ev_pte(u64 w, u64 root, u64 va, u64 old, u64 new)
{
  struct space *s = space_get(root);
  struct node *pn = map_put(&s->ptes, va, 0);
  if (pn->val != old) {
    ninconsistent++;
    if (!quiet && ninconsistent <= 5)
      printf("tlbmodel: event %ld (line %ld): note: space %#" PRIx64 " va %#" PRIx64 " was %#" PRIx64
             " in the model, the trace says %#" PRIx64 "\n", ev, lineno, root, va, pn->val, old);
  }
  // The value the hardware could have walked up to now is pn->val (and
  // old); every hart in the space already holds it. The new value is
  // walkable from now on by every hart in the space.
  for (int h = 0; h < MAXHART; h++)
    if (harts[h].seen && harts[h].space == root)
      add_val(h, harts[h].asid, va, s->id, new);
  struct op *wp = op_get(w);
  if (old & PTE_V) {
    if (nplog == capplog) {
      capplog = capplog ? 2 * capplog : 4096;
      plog = realloc(plog, capplog * sizeof *plog);
      if (!plog) {
        fprintf(stderr, "tlbmodel: out of memory\n");
        exit(2);
      }
    }
    plog[nplog++] = (struct plog){ ev, s->id, va, old, 0, pn->aux2 };
    pn->aux2 = nplog;
    map_put(&wp->mine, s->id, va)->val = nplog;
  }
  if (excess(old, new))
    map_put(&wp->inflight, s->id, va);
  mark_changed(s, va);
  // An invalid PTE keeps its node: who changed it last matters to (c).
  pn->val = new;
  pn->aux = w;
  pn->ev = ev;
}

// Candidates of pid's operation that a fence on hart h covers are
// settled: the operation fenced the hart that held them.
static void settle_one(struct map *m, struct node *n, void *arg)
{
  struct cand *c = n->ptr;
  if (c->hart != *(int *)arg)
    return;
  free(c);
  map_del(m, n->k1, n->k2);
}

static void settle(u64 pid, int h, u64 asid, u64 va, u64 size)
{
  u64 key = asid == ALL ? ALL : (u64)h | asid << 8;
  map_range(&op_get(pid)->deferred, &key, 1, va, size, settle_one, &h);
}

struct remote {
  u64 pid;
  int h;
  u64 mask;
};

static void remote_one(struct map *m, struct node *n, void *arg)
{
  struct remote *r = arg;
  struct cand *c = n->ptr;
  if (!(r->mask >> c->hart & 1)) {
    char why[128];
    snprintf(why, sizeof why, "the remote fence by pid %#" PRIx64 " on hart %d left hart %d out"
             " (mask %#" PRIx64 ")", r->pid, r->h, c->hart, r->mask);
    cand_fail(c, why);
  }
  free(c);
  map_del(m, n->k1, n->k2);
}

static void close_one(struct map *m, struct node *n, void *arg)
{
  (void)arg;
  map_del(m, n->k1, n->k2);
}

// A fence by hart h for process pid. A local fence ran on h after both
// the hart's and the process's previous lines; a remote one after the
// process's (it may have moved to h since). Walks after it may fetch
// anything valid since then.
static void ev_fence(int h, u64 pid, int kind, u64 asid, u64 va, u64 size, u64 mask)
{
  long since = op_get(pid)->last_ev;
  if (kind != 4 && harts[h].last_ev > since)
    since = harts[h].last_ev;
  switch (kind) {
  case 1:
    fence(h, asid, va, PGSIZE);
    refill(h, asid, va, PGSIZE, since);
    mark_fenced(pid, 1ULL << h, asid, va, PGSIZE);
    settle(pid, h, asid, va, PGSIZE);
    return;
  case 2:
    fence(h, asid, 0, ALL);
    refill(h, asid, 0, ALL, since);
    mark_fenced(pid, 1ULL << h, asid, 0, ALL);
    settle(pid, h, asid, 0, ALL);
    return;
  case 3:
    fence(h, ALL, 0, ALL);
    refill(h, ALL, 0, ALL, since);
    mark_fenced(pid, 1ULL << h, ALL, 0, ALL);
    settle(pid, h, ALL, 0, ALL);
    return;
  case 4:
    break;
  default:
    nbad++;
    return;
  }
  for (int t = 0; t < MAXHART; t++)
    if (mask >> t & 1) {
      hart(t);
      fence(t, asid, va, size);
      refill(t, asid, va, size, since);
    }
  mark_fenced(pid, mask, asid, va, size);
  // Deferred candidates this fence was for: fenced, or left out.
  struct remote r = { pid, h, mask };
  u64 keys[MAXHART];
  int nkeys = 0;
  for (int t = 0; t < MAXHART; t++)
    if (harts[t].seen)
      keys[nkeys++] = (u64)t | asid << 8;
  map_range(&op_get(pid)->deferred, keys, nkeys, va, size, remote_one, &r);
  u64 key = asid_space(asid);
  map_range(&op_get(pid)->inflight, &key, 1, va, size, close_one, 0);
}

static void ev_switch(int h, u64 root, u64 asid)
{
  struct hart *hp = &harts[h];
  long since = hp->last_ev;
  hp->space = root;
  hp->asid = asid;
  if (!root)
    return;
  struct space *s = space_get(root);
  s->asid = asid;
  s->asid_known = 1;
  map_put(&asids, asid, 0)->val = s->id;
  struct node *tn = map_get(&hp->tlbs, asid, 0);
  if (tn)
    ((struct tlb *)tn->ptr)->full = 1;   // (b): what else is tagged asid
  refill(h, asid, 0, ALL, since);
}

static void ev_free(u64 pa)
{
  struct node *n = map_get(&cached, pa, 0);
  if (n && n->val)
    report_freed(pa);
  // A freed root table ends its space: forget it (its PTEs are gone).
  struct node *sn = map_get(&spaces, pa, 0);
  if (sn) {
    struct space *s = sn->ptr;
    for (int h = 0; h < MAXHART; h++)
      if (harts[h].seen && harts[h].space == pa)
        harts[h].space = 0;
    size_t k;
    struct node **v = map_nodes(&s->ptes, &k);
    for (size_t i = 0; i < k; i++) {
      if ((v[i]->val & PTE_V) && show(0))
        printf("tlbmodel: event %ld (line %ld): (a) root table %#" PRIx64 " freed while va %#" PRIx64
               " -> pte %#" PRIx64 " is still mapped\n", ev, lineno, pa, v[i]->k1, v[i]->val);
    }
    free(v);
    // The next space with this root is another one.
    map_clear(&s->ptes);
    s->asid_known = 0;
    s->id += (u64)1 << 48;
  }
}

// The process named at the end of a line (0 if absent).
static u64 tail_pid(const char *rest)
{
  u64 pid = 0;
  return sscanf(rest, " %" SCNx64, &pid) == 1 ? pid : 0;
}

static void done(unsigned h, u64 pid)
{
  harts[h].last_ev = ev;
  op_get(pid)->last_ev = ev;
}

// The kernel ends each line with " ~XXXX", a checksum of the text before
// it (kernel/lib/printf.c: traceline). The kernel prints a line whole, so
// a wrong checksum means a damaged log: the line is counted as unparsed,
// not read. Lines without one (the hand-written traces in tests/tlbmodel/)
// are taken as they are.
static int checksum_ok(char *line)
{
  char *t = strstr(line, " ~");
  if (!t)
    return 1;
  unsigned sum = 0, want;
  for (char *c = line; c < t; c++)
    sum = (sum * 31 + (unsigned char)*c) & 0xffff;
  if (sscanf(t + 2, "%x", &want) == 1 && want == sum) {
    t[0] = '\n';
    t[1] = 0;
    return 1;
  }
  nbad++;
  if (!quiet && nbad <= 5)
    printf("tlbmodel: line %ld: bad checksum: %s", lineno, line);
  return 0;
}

static int parse(char *line)
{
  char kind = line[3];
  unsigned h, fk;
  int nread = 0;
  u64 a, b, c, d, e, pid;
  ev++;
  switch (kind) {
  case 'P':
    if (sscanf(line, "TT P %x %" SCNx64 " %" SCNx64 " %" SCNx64 " %" SCNx64 "%n",
               &h, &a, &b, &c, &d, &nread) != 5)
      break;
    hart(h);
    pid = tail_pid(line + nread);
    // The hardware may set A and D in the PTE behind the kernel's back
    // (QEMU does): they are not part of what the model compares.
    ev_pte(pid, a, b, c & ~(u64)(PTE_A | PTE_D), d & ~(u64)(PTE_A | PTE_D));
    done(h, pid);
    return 1;
  case 'F':
    if (sscanf(line, "TT F %x %x %" SCNx64 " %" SCNx64 " %" SCNx64 " %" SCNx64 "%n",
               &h, &fk, &a, &b, &c, &e, &nread) != 6)
      break;
    hart(h);
    pid = tail_pid(line + nread);
    ev_fence(h, pid, fk, a, b, c, e);
    done(h, pid);
    return 1;
  case 'S':
    if (sscanf(line, "TT S %x %" SCNx64 " %" SCNx64 "%n", &h, &a, &b, &nread) != 3)
      break;
    hart(h);
    ev_switch(h, a, b);
    harts[h].last_ev = ev;
    return 1;
  case 'R':
  case 'U':
    if (sscanf(line + 4, " %x%n", &h, &nread) != 1)
      break;
    hart(h);
    pid = tail_pid(line + 4 + nread);
    check_use(h, pid, kind == 'U');
    if (kind == 'U')
      boundary(pid);
    done(h, pid);
    return 1;
  case 'X':
    if (sscanf(line, "TT X %" SCNx64 "%n", &a, &nread) != 1)
      break;
    ev_free(a);
    return 1;
  case 'D':
    if (sscanf(line, "TT D %x %" SCNx64 " %" SCNx64 "%n", &h, &a, &b, &nread) != 3)
      break;
    hart(h);
    map_put(&retired, space_get(a)->id, 0);
    return 1;
  }
  // Characters of user output inside a trace line: the event is lost,
  // and the run proves a little less. Shown and counted, not failed: the
  // console gives no way to prevent it.
  nbad++;
  if (!quiet && nbad <= 5)
    printf("tlbmodel: line %ld: cannot parse: %s", lineno, line);
  return -1;
}

int main(int argc, char **argv)
{
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-q") == 0) {
      quiet = 1;
    } else {
      fprintf(stderr, "usage: tlbmodel [-q] < trace\n");
      return 2;
    }
  }
  char buf[512];
  while (fgets(buf, sizeof buf, stdin)) {
    lineno++;
    size_t n = strlen(buf);
    if (n && buf[n - 1] != '\n' && !feof(stdin)) {   // an overlong line: skip the rest
      int ch;
      while ((ch = getchar()) != EOF && ch != '\n')
        ;
    }
    // User output reaches the console without the kernel printf's
    // lock, so a trace line may come glued after a user program's text
    // ("startTT S 0 0 0"): parse it from "TT " on.
    char *p = strstr(buf, "TT ");
    if (p && strchr("PFSRUXD", p[3]) && p[4] == ' ' && checksum_ok(p))
      parse(p);
  }
  // Operations still open at the end never fenced what they changed.
  size_t k;
  struct node **v = map_nodes(&ops, &k);
  for (size_t i = 0; i < k; i++)
    boundary(v[i]->k1);
  free(v);
  long total = nviol[0] + nviol[1] + nviol[2];
  printf("tlbmodel: %ld events, %d harts, %d spaces, %ld violations (a %ld, b %ld, c %ld)",
         ev, nharts_seen, nspaces, total, nviol[0], nviol[1], nviol[2]);
  if (nbad)
    printf(", %ld unparsed", nbad);
  if (ninconsistent)
    printf(", %ld PTE values differing from the model", ninconsistent);
  printf("\n");
  return total ? 1 : 0;
}

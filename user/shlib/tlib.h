// The test libraries libt1.so and libt2.so (user/shlib/t1.c, t2.c).
//
//   tN_get()    tN_counter * 100 + strlen(tN_name): 105 and 206 at first
//   tN_set(v)   tN_counter = v
//   tN_where()  the run-time address of the library's own text
#ifndef PAGODA_TLIB_H
#define PAGODA_TLIB_H
extern int t1_counter;
extern const char *t1_name;
int t1_get(void);
void t1_set(int v);
uint64 t1_where(void);

extern int t2_counter;
extern const char *t2_name;
int t2_get(void);
void t2_set(int v);
uint64 t2_where(void);

#define T1_LEN 5      // strlen("libt1")
#define T2_LEN 6      // strlen("libt2.")
#endif

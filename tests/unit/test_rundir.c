/* test_rundir.c - result folders: staging, commit, replacement, refusal,
 * one writer at a time (a second process is refused while one holds it). */
#include "obs/rundir.h"

#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/base.h"
#include "check.h"

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/* A fresh folder under TMPDIR for one test (caller frees). */
static char *fresh_dir(void)
{
    const char *t = getenv("TMPDIR");
    char *tmpl = xasprintf("%s/pullsim-rundir.XXXXXX", t && *t ? t : "/tmp");
    assert_non_null(mkdtemp(tmpl));
    return tmpl;
}

static bool exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char *p = xasprintf("%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    free(p);
}

/* Entries of dir, sorted and space-separated (caller frees). */
static char *listing(const char *dir)
{
    struct dirent **names;
    int n = scandir(dir, &names, NULL, alphasort);
    struct strbuf sb;
    strbuf_init(&sb);
    for (int i = 0; i < n; i++) {
        if (strcmp(names[i]->d_name, ".") && strcmp(names[i]->d_name, ".."))
            strbuf_addf(&sb, "%s%s", sb.len ? " " : "", names[i]->d_name);
        free(names[i]);
    }
    free(names);
    return strbuf_detach(&sb);
}

/* Removes the test folder and what it holds (two levels). */
static void remove_dir(const char *dir)
{
    char *cmd = xasprintf("rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    free(cmd);
}

static void assert_listing(const char *dir, const char *want)
{
    char *got = listing(dir);
    assert_string_equal(got, want);
    free(got);
}

/* Staging is hidden beside the target; commit puts everything in place at
 * once with run.json; a second run replaces the first (its files go). */
static void test_commit_and_replace(void **state)
{
    (void)state;
    char *base = fresh_dir();
    char *target = xasprintf("%s/res", base);
    int status = -1;
    struct rundir *r = rundir_open(target, stderr, &status);
    assert_non_null(r);
    assert_int_equal(status, 0);
    assert_false(exists(target)); /* nothing visible until the commit */
    assert_non_null(strstr(rundir_path(r), "/.res.pullsim-tmp."));
    write_file(rundir_path(r), "old.csv", "1\n");
    assert_int_equal(rundir_commit(r, "{\"n\": 1}\n", stderr), 0);
    rundir_free(r);
    assert_listing(target, "old.csv run.json");
    assert_listing(base, "res"); /* no staging folder, no lock file */

    r = rundir_open(target, stderr, &status);
    assert_non_null(r);
    write_file(rundir_path(r), "new.csv", "2\n");
    assert_listing(target, "old.csv run.json"); /* the old run, intact */
    assert_int_equal(rundir_commit(r, "{\"n\": 2}\n", stderr), 0);
    rundir_free(r);
    assert_listing(target, "new.csv run.json");
    assert_listing(base, "res");
    remove_dir(base);
    free(target);
    free(base);
}

/* Without a commit nothing changes and the staging folder goes. */
static void test_abort(void **state)
{
    (void)state;
    char *base = fresh_dir();
    char *target = xasprintf("%s/res", base);
    int status;
    struct rundir *r = rundir_open(target, stderr, &status);
    assert_non_null(r);
    char *sub = xasprintf("%s/A", rundir_path(r));
    assert_int_equal(mkdir(sub, 0777), 0);
    write_file(sub, "pods.csv", "x\n");
    rundir_free(r);
    assert_listing(base, "");
    free(sub);
    remove_dir(base);
    free(target);
    free(base);
}

/* A folder pullsim did not write, a file and "." are refused (status 2). */
static void test_refusals(void **state)
{
    (void)state;
    char *base = fresh_dir();
    char *mine = xasprintf("%s/mine", base);
    assert_int_equal(mkdir(mine, 0777), 0);
    write_file(mine, "notes.txt", "keep\n");
    write_file(base, "file", "keep\n");
    char *file = xasprintf("%s/file", base);
    const char *const targets[] = {mine, file, "."};
    FILE *quiet = fopen("/dev/null", "w");
    assert_non_null(quiet);
    for (size_t i = 0; i < N_OF(targets); i++) {
        int status = -1;
        assert_null(rundir_open(targets[i], quiet, &status));
        assert_int_equal(status, 2);
    }
    fclose(quiet);
    assert_listing(mine, "notes.txt");
    assert_listing(base, "file mine");
    /* An earlier version's layout is a result folder. */
    char *old = xasprintf("%s/old", base), *cfg = xasprintf("%s/old/A", base);
    assert_int_equal(mkdir(old, 0777), 0);
    assert_int_equal(mkdir(cfg, 0777), 0);
    write_file(cfg, "summary.json", "{}\n");
    write_file(old, "cdf.png", "png");
    int status;
    struct rundir *r = rundir_open(old, stderr, &status);
    assert_non_null(r);
    rundir_free(r);
    free(old);
    free(cfg);
    free(file);
    free(mine);
    remove_dir(base);
    free(base);
}

/* While a child process holds the target, opening it here is refused at
 * once (status 1) with the holder's pid; once it is gone, it succeeds. */
static void test_one_writer(void **state)
{
    (void)state;
    char *base = fresh_dir();
    char *target = xasprintf("%s/res", base);
    int ready[2], done[2];
    assert_int_equal(pipe(ready), 0);
    assert_int_equal(pipe(done), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int st;
        struct rundir *r = rundir_open(target, stderr, &st);
        char c = r ? 'y' : 'n';
        (void)!write(ready[1], &c, 1);
        (void)!read(done[0], &c, 1);
        rundir_free(r);
        _exit(0);
    }
    char c = 0;
    assert_int_equal(read(ready[0], &c, 1), 1);
    assert_int_equal(c, 'y');
    char *msg = NULL;
    size_t len = 0;
    FILE *err = open_memstream(&msg, &len);
    int status = -1;
    assert_null(rundir_open(target, err, &status));
    fclose(err);
    assert_int_equal(status, 1);
    char *want = xasprintf("another pullsim run (pid %ld) is writing '%s'", (long)pid, target);
    assert_non_null(strstr(msg, want));
    assert_int_equal(write(done[1], "x", 1), 1);
    int wst;
    assert_int_equal(waitpid(pid, &wst, 0), pid);
    struct rundir *r = rundir_open(target, stderr, &status);
    assert_non_null(r);
    rundir_free(r);
    assert_listing(base, "");
    free(want);
    free(msg);
    close(ready[0]);
    close(ready[1]);
    close(done[0]);
    close(done[1]);
    remove_dir(base);
    free(target);
    free(base);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_commit_and_replace),
        cmocka_unit_test(test_abort),
        cmocka_unit_test(test_refusals),
        cmocka_unit_test(test_one_writer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

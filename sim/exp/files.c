/* files.c - see files.h. */
#include "exp/files.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/base.h"

int exp_write_file(const char *dir, const char *name, const char *data, size_t len, FILE *err)
{
    char *path = xasprintf("%s/%s", dir, name);
    char *tmp = xasprintf("%s.tmp.%ld", path, (long)getpid());
    int rc = -1;
    FILE *f = fopen(tmp, "w");
    if (!f) {
        fprintf(err, "pullsim: cannot open '%s' for writing: %s\n", tmp, strerror(errno));
        goto out;
    }
    fwrite(data, 1, len, f);
    int failed = ferror(f);
    failed |= fflush(f) != 0;
    failed |= fclose(f) != 0;
    if (failed) {
        fprintf(err, "pullsim: cannot write '%s': %s\n", tmp, strerror(errno));
        unlink(tmp);
        goto out;
    }
    if (rename(tmp, path) != 0) {
        fprintf(err, "pullsim: cannot rename '%s' to '%s': %s\n", tmp, path, strerror(errno));
        unlink(tmp);
        goto out;
    }
    rc = 0;
out:
    free(tmp);
    free(path);
    return rc;
}

char *exp_read_file(const char *path, FILE *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    struct strbuf sb;
    strbuf_init(&sb);
    char buf[8192];
    size_t got;
    while ((got = fread(buf, 1, sizeof(buf), f)) > 0)
        strbuf_add(&sb, buf, got);
    if (ferror(f)) {
        fprintf(err, "pullsim: cannot read '%s': %s\n", path, strerror(errno));
        fclose(f);
        strbuf_release(&sb);
        return NULL;
    }
    fclose(f);
    return strbuf_detach(&sb);
}

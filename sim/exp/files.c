/* files.c - see files.h. */
#include "exp/files.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/base.h"

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

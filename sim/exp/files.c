/* files.c - see files.h. */
#include "exp/files.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/base.h"

char *exp_read_file(const char *path, FILE *err)
{
    char *text;
    int rc = base_read_file(path, &text, NULL);
    if (rc == -2)
        fprintf(err, "pullsim: cannot read '%s': %s\n", path, strerror(errno));
    return rc == 0 ? text : NULL;
}

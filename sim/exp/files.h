/*
 * files.h - whole-file reads for the experiment's own files (plan.args,
 * runs/K/row.csv, runs.csv, summary.*). Writes go through
 * output_write_file (obs/output.h): NAME.tmp.PID renamed over NAME, so a
 * reader (collect, another job) never sees half a file and two processes
 * writing the same name never share a temporary file.
 * Errors: -1 after one message with the operation, the path and
 *   strerror(errno) on 'err' (an environment failure, exit 1).
 */
#ifndef PULLSIM_FILES_H
#define PULLSIM_FILES_H

#include <stddef.h>
#include <stdio.h>

/* Reads the whole file into a NUL-terminated heap string (caller frees).
 * Returns NULL when it cannot be opened (errno says why; no message), and
 * also after a message on 'err' when reading fails. */
char *exp_read_file(const char *path, FILE *err);

#endif

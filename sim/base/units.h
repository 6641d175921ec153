/*
 * units.h - human quantities in scenario files: text <-> SI numbers.
 *
 * Durations ("250ms", "30s", "5m", "6h", "1d"; also "1m30s") become seconds,
 * sizes ("512KB", "30MB", "1.5GiB"; KB/MB/GB/TB powers of 1000,
 * KiB/MiB/GiB/TiB powers of 1024, "B" bytes) become bytes, bandwidths
 * ("1Gbps", "800Mbps", "125MBps", "10KiBps") become bytes per second.
 * Source: spec/scenario-format.md. A bare number for a quantity that has
 * units is an error naming the accepted units.
 * Invariants: results are finite and >= 0; no locale dependence (the parser
 *   reads digits itself, so "1,5" is never read as 1.5).
 */
#ifndef PULLSIM_UNITS_H
#define PULLSIM_UNITS_H

#include <stddef.h>
#include <stdint.h>

/* Each parser returns 0 and stores the value, or -1 leaving *out untouched
 * and (when msg is not NULL) writing a reason of the form
 * "'1Gb' is not a bandwidth; expected a number followed by bps, Kbps, ...". */
int units_parse_duration(const char *text, double *out_s, char *msg, size_t msglen);
int units_parse_size(const char *text, uint64_t *out_bytes, char *msg, size_t msglen);
int units_parse_bandwidth(const char *text, double *out_Bps, char *msg, size_t msglen);

/* Formats for humans (README, trace): "1.5s", "30MB", "1Gbps". Writes at most buflen bytes. */
void units_format_duration(double s, char *buf, size_t buflen);
void units_format_size(double bytes, char *buf, size_t buflen);
void units_format_bandwidth(double Bps, char *buf, size_t buflen);

/* Go's time.Duration.String of s seconds (rounded to whole nanoseconds), as
 * upstream messages print durations: "0s", "1.5ms", "250ms", "1.5s",
 * "2m0s", "1h2m3.005s". Zero or negative gives "0s". */
void units_go_duration(double s, char *buf, size_t buflen);

#endif

/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* The node's event log (Core spec 7.14 events, 8.9 their reports): what
 * clusters emit, kept as encoded EventDataIBs that the Interaction Model
 * engine copies into reports as they are.
 *
 * Memory: one ring buffer per priority (Debug, Info, Critical), of sizes
 * the owner chooses and memory it provides. An event goes to the ring of
 * its priority; when that ring is full its oldest events make room, so a
 * burst of Debug events never costs a Critical one. A record is a small
 * header (length, path, number, priority, fabric) and the EventDataIB.
 *
 * Event numbers (7.14): one 64-bit counter for the node, never going
 * back, also across restarts. The log does not store every number: like a
 * persisted message counter (counters.h) it has the owner store a limit
 * @step ahead through reserve() when it reaches the last one, and the
 * next run starts at the limit stored last, above every number the
 * previous run could have used. A failed reserve() loses the event
 * (MATTER_ERROR_COUNTER_PERSIST), never a number's uniqueness.
 *
 * Timestamps (7.14): POSIX time in milliseconds (EpochTimestamp [3])
 * when the owner's utc_ms() knows it, else the system time, the caller's
 * now_ms since boot (SystemTimestamp [4]). The delta forms are not used:
 * each EventDataIB stands alone, as a report may skip any of them.
 *
 * Fabric-sensitive events carry the fabric they belong to and are shown
 * to that fabric only; fabric index 0 means the event is for everyone. */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "matter/error.h"
#include "matter/tlv.h"

/* Priorities (7.14), which are also the indexes of the rings. */
#define MATTER_EVENT_PRIORITY_DEBUG 0
#define MATTER_EVENT_PRIORITY_INFO 1
#define MATTER_EVENT_PRIORITY_CRITICAL 2
#define MATTER_EVENT_PRIORITIES 3

/* The largest encoded EventDataIB the log takes: with its EventReportIB
 * around it, it must leave room for the rest of a ReportData in one
 * message. */
#define MATTER_EVENT_DATA_MAX 1024
/* The bytes a record takes besides its EventDataIB. */
#define MATTER_EVENT_RECORD_HEADER 22
/* A reasonable reservation step: a limit stored every thousand events. */
#define MATTER_EVENT_NUMBER_STEP 1000

typedef struct {
  /* Stores @limit durably: numbers below it may be used, the next run
   * starts at it. True once stored. NULL: numbers live in memory only
   * (they start at the stored limit the caller gave and are never
   * stored). */
  bool (*reserve)(void *user_data, uint64_t limit);
  /* The UTC time now, as milliseconds since the POSIX epoch; false when
   * the node does not know it. NULL: never known. */
  bool (*utc_ms)(void *user_data, uint64_t *posix_ms);
} MatterEventLogOwner;

/* Memory for one priority's ring. */
typedef struct {
  uint8_t *buffer;
  size_t size;
} MatterEventBuffer;

typedef struct {
  uint8_t *buf;
  size_t size;
  size_t head;  /* where the oldest record starts */
  size_t used;  /* bytes of records */
  size_t count; /* records */
} MatterEventRing;

typedef struct {
  MatterEventRing rings[MATTER_EVENT_PRIORITIES];
  MatterEventLogOwner owner;
  void *owner_data;
  uint64_t next_number;
  uint64_t limit; /* the stored limit: numbers up to it are reserved */
  uint64_t step;
  uint8_t scratch[MATTER_EVENT_RECORD_HEADER + MATTER_EVENT_DATA_MAX];
} MatterEventLog;

/* @buffers: one per priority, in priority order; each at least
 * MATTER_EVENT_RECORD_HEADER + the largest event it is to hold (a ring
 * too small for an event refuses it). @stored_limit: the limit reserve()
 * stored last, or 0 on the very first start. @step: how far ahead each
 * reserve() reaches, at least 1. @owner may be NULL. */
MatterError matter_event_log_init(MatterEventLog *log,
                                  const MatterEventBuffer buffers[MATTER_EVENT_PRIORITIES],
                                  uint64_t stored_limit, uint64_t step,
                                  const MatterEventLogOwner *owner, void *owner_data);

/* Writes an event's fields, a structure with @tag. */
typedef MatterError (*MatterEventEncode)(void *user_data, MatterTlvWriter *w, MatterTlvTag tag);

/* What a cluster emits. The fields come from @encode, or when it is NULL
 * from @fields: one encoded TLV structure, any tag (re-tagged [7]). */
typedef struct {
  uint16_t endpoint;
  uint32_t cluster;
  uint32_t event;
  uint8_t priority;     /* MATTER_EVENT_PRIORITY_* */
  uint8_t fabric_index; /* fabric-sensitive events: their fabric; else 0 */
  MatterEventEncode encode;
  void *encode_data;
  const uint8_t *fields;
  size_t fields_len;
} MatterEvent;

/* Logs @event at @now_ms (system time, milliseconds since boot) and gives
 * its number in *@number (may be NULL). MATTER_ERROR_INVALID_ARGUMENT for
 * a bad priority or fields that are not one structure,
 * MATTER_ERROR_BUFFER_TOO_SMALL when it is larger than MATTER_EVENT_DATA_
 * MAX or its ring, MATTER_ERROR_COUNTER_PERSIST when a new limit could not
 * be stored; the log is unchanged then. */
MatterError matter_event_log_emit(MatterEventLog *log, const MatterEvent *event, uint64_t now_ms,
                                  uint64_t *number);

/* One logged event, as matter_event_log_next() finds it. */
typedef struct {
  uint64_t number;
  uint16_t endpoint;
  uint32_t cluster;
  uint32_t event;
  uint8_t priority;
  uint8_t fabric_index;
  size_t len; /* of its EventDataIB */
  size_t offset; /* where its EventDataIB starts in its ring */
} MatterEventInfo;

/* The event with the lowest number at or above @min_number that the
 * fabric @fabric_index may see (its own and those of no fabric); MATTER_
 * ERROR_TLV_END when there is none. */
MatterError matter_event_log_next(const MatterEventLog *log, uint64_t min_number,
                                  uint8_t fabric_index, MatterEventInfo *info);
/* Copies the EventDataIB of @info (an anonymous structure) to @out. Valid
 * until the next emit. MATTER_ERROR_BUFFER_TOO_SMALL when @size is less
 * than info->len. */
MatterError matter_event_log_copy(const MatterEventLog *log, const MatterEventInfo *info,
                                  uint8_t *out, size_t size);
/* A removed fabric's events are shown to no one any more, so a fabric
 * that later gets the same index does not see them. They keep their
 * numbers and their place in the rings until they age out. */
#define MATTER_EVENT_FABRIC_FORGOTTEN 0xFF
void matter_event_log_forget_fabric(MatterEventLog *log, uint8_t fabric_index);

/* The number the next event gets: every event logged so far is below. */
uint64_t matter_event_log_next_number(const MatterEventLog *log);

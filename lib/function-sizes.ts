/**
 * The voice function's memory, chosen from `npm run bench` (bin/bench/memory.ts: the `memory_cpu`,
 * `memory_size` and `memory_choice` figures; docs/decisions.md), not guessed.
 *
 * Lambda gives CPU in proportion to memory (1 vCPU at 1769 MB), so below 1769 MB the CPU-bound part
 * of a webhook costs the same at every size, while its I/O wait (the DynamoDB round trips, the same
 * at any size) costs more with more memory: the smallest size that answers in time is the cheapest.
 * Measured: a cold start (Node's start, the import, the first /voice/incoming) takes about 380 to 460
 * ms of CPU, a warm webhook about 13 to 18 ms, the peak RSS about 103 MB. At 512 MB (0.29 vCPU) the
 * cold start's CPU alone projects to 1.3 to 1.6 s, more than the third of the 3 s in which every
 * webhook must answer (SPEC section 12) that bin/bench/memory.ts CHOICE_LIMITS allows it, and that on
 * a core faster than Lambda's Graviton2. 1024 MB (0.58 vCPU) projects 0.65 to 0.8 s for a cold start
 * and 22 to 31 ms for a warm webhook, with the peak RSS at a tenth of it; 1769 MB would answer faster
 * for the same CPU cost but 1.7 times the cost of each millisecond of I/O wait.
 */
export const VOICE_MEMORY_MB = 1024;

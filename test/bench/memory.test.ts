import { describe, expect, it } from 'vitest';
import { ARM64_USD_PER_GB_SECOND, chooseMemory, MEMORY_SIZES_MB, projectMemory } from '../../bin/bench/memory.js';

/** bin/bench/memory.ts: what a memory size makes of measured CPU times (arithmetic, no timing). */
describe('memory projection', () => {
  const measured = { coldStartCpuMs: 400, warmCpuMs: 10, peakRssMb: 100 };

  it('divides CPU time by the vCPU share, one vCPU at 1769 MB and no more above it', () => {
    expect(projectMemory(1769, measured)).toMatchObject({ vcpuShare: 1, coldStartCpuBoundMs: 400, warmCpuBoundMs: 10 });
    expect(projectMemory(3538, measured)).toMatchObject({ vcpuShare: 1, coldStartCpuBoundMs: 400 });
    const small = projectMemory(512, measured);
    expect(small.vcpuShare).toBeCloseTo(512 / 1769, 3);
    expect(small.coldStartCpuBoundMs).toBe(Math.round(400 / (512 / 1769)));
  });

  it('costs the same for CPU-bound work at every size up to 1769 MB, and more per millisecond of I/O wait with more memory', () => {
    const costs = MEMORY_SIZES_MB.map((memoryMb) => projectMemory(memoryMb, measured));
    const expected = (10 / 1000) * (1769 / 1024) * ARM64_USD_PER_GB_SECOND * 1e6;
    for (const cost of costs) expect(cost.computeUsdPerMillionWarm).toBeCloseTo(expected, 2);
    const ioCosts = costs.map((cost) => cost.ioWaitUsdPerMillionPerMs);
    expect([...ioCosts].sort((a, b) => a - b)).toEqual(ioCosts);
    expect(projectMemory(1024, measured).ioWaitUsdPerMillionPerMs).toBeCloseTo(ARM64_USD_PER_GB_SECOND * 1000, 4);
  });

  it('chooses the smallest size whose cold start, warm webhook and peak RSS fit the limits', () => {
    const projections = MEMORY_SIZES_MB.map((memoryMb) => projectMemory(memoryMb, measured));
    // 400 ms of CPU: 0.8 s at 1024 MB (within 1 s), 1.38 s at 512 MB.
    expect(chooseMemory(projections)).toBe(1024);
    expect(chooseMemory(MEMORY_SIZES_MB.map((memoryMb) => projectMemory(memoryMb, { ...measured, coldStartCpuMs: 250 })))).toBe(512);
    expect(chooseMemory(MEMORY_SIZES_MB.map((memoryMb) => projectMemory(memoryMb, { ...measured, coldStartCpuMs: 5000 })))).toBeUndefined();
  });
});

// The count's spinner waits before showing, so quick answers never flash it.
import { act, renderHook } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { SPINNER_DELAY_MS, useDelayedFlag } from "./api";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe("useDelayedFlag", () => {
  it("stays off for a short wait and comes on for a long one", () => {
    const { result, rerender } = renderHook(({ busy }) => useDelayedFlag(busy), { initialProps: { busy: true } });
    expect(result.current).toBe(false);
    act(() => vi.advanceTimersByTime(SPINNER_DELAY_MS - 50));
    rerender({ busy: false });
    act(() => vi.advanceTimersByTime(SPINNER_DELAY_MS));
    expect(result.current).toBe(false);

    rerender({ busy: true });
    act(() => vi.advanceTimersByTime(SPINNER_DELAY_MS + 10));
    expect(result.current).toBe(true);
    rerender({ busy: false });
    expect(result.current).toBe(false);
  });
});

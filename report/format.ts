/** Text and number formatting for the report; every string from the data goes through `escapeHtml`. */
import type { ParamValue } from "../spec/types";

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/** A compact, readable number: `0.8653`, `1.23e-5`, `4.5e+6`; non-finite as `NaN` / `∞`. */
export function formatNumber(value: number | undefined, digits = 4): string {
  if (value === undefined) return "—";
  if (Number.isNaN(value)) return "NaN";
  if (!Number.isFinite(value)) return value > 0 ? "∞" : "−∞";
  if (value === 0) return "0";
  const abs = Math.abs(value);
  if (abs >= 1e5 || abs < 1e-3) return trimExponent(value.toExponential(digits - 2));
  return String(Number(value.toPrecision(digits)));
}

function trimExponent(text: string): string {
  return text.replace(/\.?0+e/, "e").replace("e+", "e");
}

/** A hyper-parameter value as a user wrote it: `0.001`, `1e-7`, `adam`, `true`. */
export function formatParam(value: ParamValue): string {
  if (typeof value !== "number") return String(value);
  const abs = Math.abs(value);
  if (value !== 0 && (abs < 1e-3 || abs >= 1e6)) return trimExponent(value.toExponential());
  return String(value);
}

/** True when a number reads best in exponent notation: tiny or huge (zero never). */
function wantsExponent(value: number): boolean {
  const abs = Math.abs(value);
  return Number.isFinite(value) && value !== 0 && (abs < 1e-3 || abs >= 1e5);
}

/**
 * One notation for a whole axis, column or table: exponent notation for every value when any
 * needs it (`1e-7 … 1e-3 … 1e0`), plain decimals otherwise, so `1e-4` never sits beside
 * `0.001`. `digits` rounds to significant digits; without it values are written exactly.
 *
 * @example numberFormat([1e-4, 0.001])(0.001) // "1e-3"
 */
export function numberFormat(
  values: readonly unknown[],
  digits?: number,
): (value: number | undefined) => string {
  const exponent = values.some((v) => typeof v === "number" && wantsExponent(v));
  return (value) => {
    if (value === undefined) return "—";
    if (Number.isNaN(value)) return "NaN";
    if (!Number.isFinite(value)) return value > 0 ? "∞" : "−∞";
    if (value === 0) return "0";
    if (exponent) {
      return trimExponent(
        digits === undefined ? value.toExponential() : value.toExponential(digits - 1),
      );
    }
    return String(digits === undefined ? value : Number(value.toPrecision(digits)));
  };
}

/** Wall time: `42.1 s`, `12 min 05 s`, `3 h 02 min`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "—";
  if (seconds < 60) return `${Number(seconds.toFixed(1))} s`;
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const pad = (n: number) => String(n).padStart(2, "0");
  return h > 0 ? `${h} h ${pad(m)} min` : `${m} min ${pad(s)} s`;
}

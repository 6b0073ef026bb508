// Dates and numbers in the console's language (Intl), so 1 234,5 reads right in French.
import { useTranslation } from "react-i18next";
import { localeOf } from ".";

export function useFormat() {
  const { i18n } = useTranslation();
  const locale = localeOf(i18n.language);
  return {
    number: (n: number | null | undefined) =>
      n == null ? "—" : new Intl.NumberFormat(locale).format(n),
    percent: (n: number) =>
      new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 1 }).format(n),
    dateTime: (iso: string | null | undefined) =>
      iso
        ? new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" }).format(
            new Date(iso),
          )
        : "—",
    date: (iso: string | null | undefined) =>
      iso ? new Intl.DateTimeFormat(locale, { dateStyle: "medium" }).format(new Date(iso)) : "—",
    shortDay: (iso: string) =>
      new Intl.DateTimeFormat(locale, { day: "numeric", month: "short", timeZone: "UTC" }).format(
        new Date(iso),
      ),
  };
}

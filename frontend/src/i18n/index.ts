// i18next over Herald's own message catalogues (see locales.ts): flat keys ("console.lists.title"),
// Python-style placeholders ("{count}"), the same files the public pages use.
import i18n from "i18next";
import { initReactI18next } from "react-i18next";
import catalogues from "virtual:herald-locales";

export const LANGUAGES = [
  { code: "en", label: "English", locale: "en-GB" },
  { code: "sv", label: "Svenska", locale: "sv-SE" },
  { code: "fr", label: "Français", locale: "fr-FR" },
  { code: "es", label: "Español", locale: "es-ES" },
] as const;
export type Language = (typeof LANGUAGES)[number]["code"];
const STORAGE_KEY = "herald.console.language";

export function isLanguage(value: string | null | undefined): value is Language {
  return LANGUAGES.some((l) => l.code === value);
}

function initialLanguage(): Language {
  const stored = localStorage.getItem(STORAGE_KEY);
  if (isLanguage(stored)) return stored;
  for (const tag of navigator.languages ?? []) {
    const code = tag.slice(0, 2).toLowerCase();
    if (isLanguage(code)) return code;
  }
  return "en";
}

void i18n.use(initReactI18next).init({
  resources: Object.fromEntries(
    Object.entries(catalogues).map(([lang, messages]) => [lang, { translation: messages }]),
  ),
  lng: initialLanguage(),
  fallbackLng: "en",
  keySeparator: false,
  nsSeparator: false,
  interpolation: { escapeValue: false, prefix: "{", suffix: "}" },
  returnNull: false,
});

function applyDocumentLanguage(lang: string): void {
  document.documentElement.lang = lang;
}
applyDocumentLanguage(i18n.language);
i18n.on("languageChanged", (lang) => {
  localStorage.setItem(STORAGE_KEY, lang);
  applyDocumentLanguage(lang);
});

// Set when someone picks a language before signing in: that choice is saved for the operator
// at sign-in instead of being replaced by their stored preference.
const CHOSEN_KEY = "herald.console.language-chosen";

export function rememberChoice(): void {
  sessionStorage.setItem(CHOSEN_KEY, "1");
}

export function takeChoice(): boolean {
  const chosen = sessionStorage.getItem(CHOSEN_KEY) === "1";
  sessionStorage.removeItem(CHOSEN_KEY);
  return chosen;
}

export function localeOf(lang: string = i18n.language): string {
  return LANGUAGES.find((l) => l.code === lang)?.locale ?? "en-GB";
}

export default i18n;

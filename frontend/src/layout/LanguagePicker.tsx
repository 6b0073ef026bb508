import { Button, Menu } from "@mantine/core";
import { IconLanguage } from "@tabler/icons-react";
import { useTranslation } from "react-i18next";
import { LANGUAGES, rememberChoice, type Language } from "../i18n";

/** The console language; `onChange` lets a signed-in operator's choice be saved too. */
export function LanguagePicker({ onChange }: { onChange?: (lang: Language) => void }) {
  const { t, i18n } = useTranslation();
  const current = LANGUAGES.find((l) => l.code === i18n.language) ?? LANGUAGES[0];
  return (
    <Menu position="bottom-end" withinPortal>
      <Menu.Target>
        <Button
          variant="subtle"
          color="gray"
          leftSection={<IconLanguage size={18} aria-hidden />}
          aria-label={`${t("console.language")}: ${current.label}`}
        >
          {current.label}
        </Button>
      </Menu.Target>
      <Menu.Dropdown>
        {LANGUAGES.map((l) => (
          <Menu.Item
            key={l.code}
            lang={l.code}
            aria-current={l.code === current.code ? "true" : undefined}
            fw={l.code === current.code ? 700 : undefined}
            onClick={() => {
              void i18n.changeLanguage(l.code);
              if (onChange) onChange(l.code);
              else rememberChoice(); // signed out: saved for the operator at sign-in
            }}
          >
            {l.label}
          </Menu.Item>
        ))}
      </Menu.Dropdown>
    </Menu>
  );
}

import { Button, Group, TextInput } from "@mantine/core";
import { IconSearch } from "@tabler/icons-react";
import { useState, type FormEvent } from "react";
import { useTranslation } from "react-i18next";

/** Look one address up: the search runs on submit, and Clear shows everything again. */
export function EmailSearch({ label, value, onSearch }: { label: string; value: string | null; onSearch: (email: string | null) => void }) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState(value ?? "");
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onSearch(draft.trim() || null);
  };
  return (
    <form onSubmit={submit}>
      <Group align="flex-end" mb="md">
        <TextInput
          label={label}
          type="email"
          placeholder="name@example.com"
          leftSection={<IconSearch size={16} aria-hidden />}
          value={draft}
          onChange={(e) => setDraft(e.currentTarget.value)}
          w={320}
        />
        <Button type="submit" variant="default">
          {t("console.action.search")}
        </Button>
        {value && (
          <Button
            variant="subtle"
            onClick={() => {
              setDraft("");
              onSearch(null);
            }}
          >
            {t("console.action.clear")}
          </Button>
        )}
      </Group>
    </form>
  );
}

// Removes the schema-registry subjects a benchmark session registered (the load generator registers
// under its input topics' subjects, the runtime under its output topics'), so runs do not pile up
// subjects in a registry other work shares. Only subjects under the session's own prefix.

export async function deleteSubjects(registryUrl: string, prefix: string): Promise<number> {
  const base = registryUrl.replace(/\/$/, '');
  const response = await fetch(`${base}/subjects`);
  if (!response.ok) return 0;
  const subjects = ((await response.json()) as string[]).filter((s) => s.startsWith(prefix));
  for (const s of subjects) {
    const subject = encodeURIComponent(s);
    // Soft delete first: the Confluent API refuses a permanent delete of a live subject.
    await fetch(`${base}/subjects/${subject}`, { method: 'DELETE' });
    await fetch(`${base}/subjects/${subject}?permanent=true`, { method: 'DELETE' });
  }
  return subjects.length;
}

/** Test-only worker entry that never finishes starting (never reports ready). */
for (;;);
export {};

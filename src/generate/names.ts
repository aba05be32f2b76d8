// Customer names. A few non-ASCII and apostrophe names are included on purpose: they
// exercise UTF-8 handling and PII hashing of multi-byte text downstream.

import { mix32 } from './rng.js';

const FIRST_NAMES = [
  'Juan', 'Maria', 'James', 'Mary', 'Robert', 'Patricia', 'John', 'Jennifer', 'Michael', 'Linda',
  'David', 'Elizabeth', 'William', 'Barbara', 'Richard', 'Susan', 'Joseph', 'Jessica', 'Thomas', 'Sarah',
  'Carlos', 'Lucía', 'José', 'Sofía', 'Miguel', 'Valentina', 'Luis', 'Camila', 'Pedro', 'Ana',
  'Wei', 'Mei', 'Hiroshi', 'Yuki', 'Arjun', 'Priya', 'Ahmed', 'Fatima', 'Olga', 'Ivan',
  'Zoë', 'Søren', 'Łukasz', 'Chloé', 'François', 'Ingrid', 'Mateo', 'Emma', 'Noah', 'Olivia',
  'Liam', 'Ava', 'Lucas', 'Mia', 'Ethan', 'Amelia', 'Oliver', 'Isabella', 'Elijah', 'Harper',
];

const LAST_NAMES = [
  'Sanchez', 'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez',
  'Martinez', 'Hernandez', 'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson',
  'Martin', 'Lee', 'Perez', 'Thompson', 'White', 'Harris', 'Clark', 'Ramirez', 'Lewis', 'Robinson',
  'Walker', 'Young', 'Allen', 'King', 'Wright', 'Scott', 'Torres', 'Nguyen', 'Hill', 'Flores',
  'Müller', 'Núñez', 'García', "O'Connor", "D'Angelo", 'Kowalski', 'Nakamura', 'Chen', 'Patel', 'Ivanova',
  'Schmidt', 'Dubois', 'Rossi', 'Andersen', 'Novák', 'Yilmaz', 'Kim', 'Silva', 'Costa', 'Haddad',
];

// Pre-encoded once: the hot path splices these straight into the line.
export const FIRST_NAMES_JSON: readonly string[] = FIRST_NAMES.map((n) => JSON.stringify(n));
export const LAST_NAMES_JSON: readonly string[] = LAST_NAMES.map((n) => JSON.stringify(n));

/** Index into FIRST_NAMES_JSON for an Id hash (see hashNumber). */
export function firstNameIndex(idHash: number): number {
  return idHash % FIRST_NAMES_JSON.length;
}

/** Index into LAST_NAMES_JSON; an independent mix so first and last names do not pair up. */
export function lastNameIndex(idHash: number): number {
  return mix32(idHash ^ 0x5bd1e995) % LAST_NAMES_JSON.length;
}

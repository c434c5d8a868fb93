import { describe, expect, it } from 'vitest';
import { splitStatements } from './migrations.ts';

describe('splitStatements (the Supabase CLI way)', () => {
	it('splits at semicolons, trims, and drops the semicolons', () => {
		expect(splitStatements('create table a (x int);\n\n  select 1 ;\n')).toEqual([
			'create table a (x int)',
			'select 1'
		]);
	});

	it('keeps leading comments with the statement that follows', () => {
		expect(splitStatements('-- why; not here\nselect 1;')).toEqual(['-- why; not here\nselect 1']);
	});

	it('ignores semicolons inside quotes, dollar quotes and block comments', () => {
		const source = `select 'a;b', "c;d";
			create function f() returns int language sql as $body$ select 1; $body$;
			/* one; /* nested; */ still; */ select 2;
			do $$ begin perform 1; end $$;`;
		expect(splitStatements(source)).toEqual([
			`select 'a;b', "c;d"`,
			'create function f() returns int language sql as $body$ select 1; $body$',
			'/* one; /* nested; */ still; */ select 2',
			'do $$ begin perform 1; end $$'
		]);
	});

	it('handles doubled quotes inside strings', () => {
		expect(splitStatements(`comment on table t is 'it''s; fine'; select 1`)).toEqual([
			`comment on table t is 'it''s; fine'`,
			'select 1'
		]);
	});
});

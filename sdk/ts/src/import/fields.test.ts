import { describe, expect, it } from 'vitest';
import { splitRow } from './csv.js';
import { hyperparamProblem, hyperparamValue, importKey, label, metricName, tag } from './fields.js';

describe('names and fields from a source', () => {
	it('turns any tag into a metric name', () => {
		expect(metricName('train/loss')).toBe('train/loss');
		expect(metricName('Accuracy (top-1)')).toBe('Accuracy_top-1_');
		expect(metricName('a:b c')).toBe('a_b_c');
		expect(metricName('x'.repeat(150))).toHaveLength(100);
		expect(metricName('')).toBe('');
	});

	it('reads MLflow param text as numbers and booleans where it is one', () => {
		expect(hyperparamValue('0.001')).toBe(0.001);
		expect(hyperparamValue('1e-05')).toBe(1e-5);
		expect(hyperparamValue('-3')).toBe(-3);
		expect(hyperparamValue('.5')).toBe(0.5);
		expect(hyperparamValue('True')).toBe(true);
		expect(hyperparamValue('false')).toBe(false);
		expect(hyperparamValue('007')).toBe('007');
		expect(hyperparamValue('adam')).toBe('adam');
		expect(hyperparamValue('1e999')).toBe('1e999');
		expect(hyperparamValue('[1, 2]')).toBe('[1, 2]');
	});

	it('says why a hyperparameter or tag cannot be sent', () => {
		expect(hyperparamProblem('lr', 0.1)).toBeNull();
		expect(hyperparamProblem('k\u001b', 'v')).toMatch(/control/);
		expect(hyperparamProblem('k', 'v'.repeat(1001))).toMatch(/1000/);
		expect(tag('team:vision')).toBe('team:vision');
		expect(tag('x'.repeat(51))).toBeNull();
		expect(tag('a\u202eb')).toBeNull();
	});

	it('makes labels and import keys one line and short enough', () => {
		expect(label(' run\u0007 one ', 255)).toBe('run  one');
		expect(importKey('mlflow', 'abc')).toBe('mlflow:abc');
		const long = importKey('csv', 'x'.repeat(300) + 'END');
		expect([...long].length).toBe(200);
		expect(long.endsWith('END')).toBe(true);
	});
});

describe('splitRow', () => {
	it('reads RFC 4180 cells', () => {
		expect(splitRow('loss,1,0.5,2026-01-01T00:00:00.000Z')).toEqual([
			'loss',
			'1',
			'0.5',
			'2026-01-01T00:00:00.000Z'
		]);
		expect(splitRow(`"'-x",2,3,t`)).toEqual(["'-x", '2', '3', 't']);
		expect(splitRow('"a ""b"", c",1')).toEqual(['a "b", c', '1']);
		expect(splitRow('a,,')).toEqual(['a', '', '']);
		expect(splitRow('"open,1')).toBeNull();
		expect(splitRow('"a"b,1')).toBeNull();
	});
});

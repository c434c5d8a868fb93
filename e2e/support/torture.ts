/**
 * The content torture fixture: awkward but legal content that every page must hold without
 * widening — names with no break opportunity, names at the 255-character limit, 50 tags, 200
 * hyperparameters, 2,000-character descriptions, right-to-left and emoji/CJK text, long metric
 * names and many metrics. Shared by `npm run seed:torture` (scripts/seed-torture.ts) and the
 * torture e2e (e2e/torture.spec.ts), so both look at the same content.
 *
 * Everything goes through the public API of a running server, as a user would create it.
 */
import { randomUUID } from 'node:crypto';

/** One long token with no break opportunity: what a generated run name often looks like. */
export const UNBROKEN =
	'resnet152_imagenet1k_lr0.0003_wd0.05_bs1024_cosine_warmup5_mixup0.8_cutmix1.0_'.repeat(3);
/** 255 code points: the longest experiment name the server accepts. */
export const NAME_255 = Array.from({ length: 255 }, (_, i) =>
	i % 29 === 0 ? '🚀' : i % 41 === 40 ? ' ' : 'W'
).join('');
const ARABIC = 'تجربة تدريب الشبكة العصبية على مجموعة بيانات كبيرة جدا';
const HEBREW = 'ניסוי אימון רשת עצבית על מערך נתונים גדול מאוד';
const CJK = '大規模言語モデルの事前学習実験🚀🔥中文实验名称한국어실험';

/** 2,000 characters of mixed prose, long words and right-to-left text. */
export const DESCRIPTION = (
	`${ARABIC} — ${HEBREW}. ${CJK} ` +
	'Supercalifragilisticexpialidocious'.repeat(4) +
	' https://example.test/' +
	'very/long/path/'.repeat(12) +
	' '
)
	.repeat(20)
	.slice(0, 2000);

export interface TortureFixture {
	email: string;
	token: string;
	workspaceId: string;
	/** Every experiment seeded, the worst one first. */
	experimentIds: string[];
}

type Api = <T>(method: string, path: string, body?: unknown) => Promise<T>;

function client(origin: string, token: string): Api {
	return async <T>(method: string, path: string, body?: unknown) => {
		const response = await fetch(origin + path, {
			method,
			headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
			body: body === undefined ? undefined : JSON.stringify(body)
		});
		if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
		return ((await response.json()) as { data: T }).data;
	};
}

/** Signs in by email (the local mode of `npm run dev` / `npm start` with TORA_AUTH=local). */
export async function signInLocal(origin: string, email: string): Promise<string> {
	const response = await fetch(`${origin}/api/auth/local`, {
		method: 'POST',
		headers: { 'content-type': 'application/json' },
		body: JSON.stringify({ email })
	});
	if (!response.ok) throw new Error(`sign-in: ${response.status} ${await response.text()}`);
	return ((await response.json()) as { data: { access_token: string } }).data.access_token;
}

const tags = (seed: string) =>
	Array.from({ length: 50 }, (_, i) =>
		i % 5 === 0
			? `${seed}-tag-${i}-`.padEnd(50, 'x')
			: i % 5 === 1
				? `وسم-${i}`
				: i % 5 === 2
					? `標籤🚀${i}`
					: `tag-${i}`
	);

const hyperparams = (seed: number) =>
	Array.from({ length: 200 }, (_, i) => ({
		key:
			i === 0
				? 'optimizer.param_groups.0.betas.first_moment_decay_rate_for_the_adam_optimizer_'.padEnd(100, 'z')
				: `hp_${String(i).padStart(3, '0')}${i % 7 === 0 ? '_' + 'k'.repeat(60) : ''}`,
		value:
			i === 1
				? 'v'.repeat(1000)
				: i === 2
					? HEBREW
					: i === 3
						? CJK
						: i % 3 === 0
							? (i * 0.001 + seed) / 7
							: i % 3 === 1
								? `value_${i}_${'w'.repeat(i % 40)}`
								: i % 2 === 0
	}));

/** Metric names may only use [A-Za-z0-9_-./], so their length is the awkward part. */
export const LONG_METRIC = `train/${'very_long_metric_name_without_breaks_'.repeat(3)}`.slice(0, 100);
const METRICS = [
	LONG_METRIC,
	'loss',
	...Array.from({ length: 38 }, (_, i) => `eval/group_${i % 4}/metric_${i}_accuracy_top_k`)
];

/**
 * Seeds a fresh user's workspace with the torture content through the API of the server at
 * `origin` (which must run in local auth mode). Returns what the pages need to be visited.
 */
export async function seedTorture(
	origin: string,
	email = `torture-${randomUUID()}@example.test`
): Promise<TortureFixture> {
	const token = await signInLocal(origin, email);
	const api = client(origin, token);
	const workspace = await api<{ id: string }>('POST', '/api/workspaces', {
		name: `${ARABIC} ${CJK} ${UNBROKEN}`.slice(0, 255),
		description: DESCRIPTION
	});
	const project = `project_${'with_a_very_long_name_'.repeat(4)}`.slice(0, 100);
	const runs = [
		{ name: UNBROKEN.slice(0, 255), description: DESCRIPTION },
		{ name: NAME_255, description: DESCRIPTION },
		{ name: `${ARABIC} ${HEBREW}`, description: HEBREW },
		{ name: `${CJK}${CJK}${CJK}`, description: CJK }
	];
	const experimentIds: string[] = [];
	for (const [index, run] of runs.entries()) {
		const experiment = await api<{ id: string }>('POST', '/api/experiments', {
			...run,
			workspaceId: workspace.id,
			project,
			tags: tags(`run${index}`),
			hyperparams: hyperparams(index)
		});
		experimentIds.push(experiment.id);
		const logs = METRICS.flatMap((name, m) =>
			Array.from({ length: 20 }, (_, step) => ({
				name,
				msg_id: randomUUID(),
				value: Math.exp(-step / (5 + m)) + index * 0.01,
				step,
				metadata: null
			}))
		);
		logs.push(
			...[LONG_METRIC.replace('train/', 'final/'), 'accuracy'].map((name, r) => ({
				name,
				msg_id: randomUUID(),
				value: 0.9 - index * 0.01 - r * 0.1,
				step: null as unknown as number,
				metadata: { type: 'result' } as never
			}))
		);
		await api('POST', `/api/experiments/${experiment.id}/logs/batch`, { logs });
		await api('PATCH', `/api/experiments/${experiment.id}`, {
			notes: `${DESCRIPTION}\n\n\`${UNBROKEN}\`\n\n| ${UNBROKEN} | ${CJK} |\n|---|---|\n| ${ARABIC} | 1 |`
		});
	}
	await api('POST', `/api/workspaces/${workspace.id}/views`, {
		name: `view_${UNBROKEN}`.slice(0, 100),
		state: { filter: `tag = "tag-3"`, columns: [`hp.hp_001`, `metric.${LONG_METRIC}.last`] }
	});
	await api('POST', '/api/api-keys', { name: `key_${UNBROKEN}`.slice(0, 100), workspaceId: workspace.id });
	await api('POST', `/api/workspaces/${workspace.id}/invitations`, {
		email: `${'invitee'.repeat(8)}@${'sub'.repeat(10)}.example.test`,
		role: 'viewer'
	});
	return { email, token, workspaceId: workspace.id, experimentIds };
}

CREATE TABLE `test_runs` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text,
	`custom_name` text,
	`is_favorite` integer DEFAULT false NOT NULL,
	`active` integer,
	`status` text NOT NULL,
	`pattern` text NOT NULL,
	`transaction_type` text NOT NULL,
	`config` text NOT NULL,
	`created_at` integer NOT NULL,
	`started_at` integer,
	`ended_at` integer,
	`duration_ms` integer,
	`target_tps` real,
	`num_accounts` integer,
	`tx_sent` integer DEFAULT 0 NOT NULL,
	`tx_confirmed` integer DEFAULT 0 NOT NULL,
	`tx_failed` integer DEFAULT 0 NOT NULL,
	`tx_discarded` integer DEFAULT 0 NOT NULL,
	`average_tps` real,
	`peak_tps` real,
	`send_latency` text,
	`confirm_latency` text,
	`block_count` integer,
	`total_gas_used` text,
	`start_block` integer,
	`end_block` integer,
	`errors` text,
	`environment` text,
	`verification` text,
	`error_message` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `test_runs_one_active` ON `test_runs` (`active`) WHERE active IS NOT NULL;--> statement-breakpoint
CREATE INDEX `test_runs_created` ON `test_runs` (`created_at`);--> statement-breakpoint
CREATE TABLE `time_series` (
	`run_id` text NOT NULL,
	`second` integer NOT NULL,
	`tx_sent` integer NOT NULL,
	`tx_confirmed` integer NOT NULL,
	`tx_failed` integer NOT NULL,
	`current_tps` real NOT NULL,
	`target_tps` real NOT NULL,
	`pending` integer NOT NULL,
	`gas_used` text NOT NULL,
	`mgas_per_sec` real NOT NULL,
	`fill_rate` real NOT NULL,
	PRIMARY KEY(`run_id`, `second`)
);
--> statement-breakpoint
CREATE TABLE `tx_logs` (
	`run_id` text NOT NULL,
	`hash` text NOT NULL,
	`account` text NOT NULL,
	`nonce` integer NOT NULL,
	`region` text NOT NULL,
	`sent_at` integer NOT NULL,
	`confirmed_at` integer,
	`block_number` integer,
	`status` text NOT NULL,
	`error` text,
	PRIMARY KEY(`run_id`, `hash`)
);
--> statement-breakpoint
CREATE INDEX `tx_logs_run_sent` ON `tx_logs` (`run_id`,`sent_at`);
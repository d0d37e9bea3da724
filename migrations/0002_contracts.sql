CREATE TABLE `contracts` (
	`chain_id` integer NOT NULL,
	`name` text NOT NULL,
	`address` text NOT NULL,
	`code_hash` text NOT NULL,
	`deployed_at` integer NOT NULL,
	PRIMARY KEY(`chain_id`, `name`)
);

package store

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// migrations is the ordered, append-only schema history. Never edit or reorder an entry
// that has shipped: add a new one. Placeholders keep one text for both databases:
// {{pk}} an auto-increment 64-bit primary key, {{ts}} a timestamp, {{real}} a double,
// {{blob}} bytes. Everything else is SQL both SQLite and PostgreSQL accept.
var migrations = []string{
	// 1: accounts
	`CREATE TABLE users (
		id {{pk}},
		email TEXT NOT NULL UNIQUE,
		password_hash TEXT NOT NULL,
		role TEXT NOT NULL CHECK (role IN ('admin','marketer','manager')),
		created_at {{ts}} NOT NULL,
		updated_at {{ts}} NOT NULL
	);
	CREATE TABLE api_keys (
		id {{pk}},
		name TEXT NOT NULL,
		prefix TEXT NOT NULL UNIQUE,
		key_hash TEXT NOT NULL,
		created_at {{ts}} NOT NULL,
		last_used_at {{ts}},
		revoked_at {{ts}}
	);
	CREATE TABLE settings (
		key TEXT PRIMARY KEY,
		value TEXT NOT NULL
	);`,

	// 2: customers, products, orders, events
	`CREATE TABLE customers (
		id {{pk}},
		external_id TEXT NOT NULL UNIQUE,
		email TEXT NOT NULL DEFAULT '',
		first_name TEXT NOT NULL DEFAULT '',
		last_name TEXT NOT NULL DEFAULT '',
		gender TEXT NOT NULL DEFAULT '',
		birth_date {{ts}},
		city TEXT NOT NULL DEFAULT '',
		country TEXT NOT NULL DEFAULT '',
		timezone TEXT NOT NULL DEFAULT '',
		signup_at {{ts}},
		consent_email BOOLEAN NOT NULL DEFAULT FALSE,
		consent_push BOOLEAN NOT NULL DEFAULT FALSE,
		attributes TEXT NOT NULL DEFAULT '{}',
		unsubscribed_at {{ts}},
		created_at {{ts}} NOT NULL,
		updated_at {{ts}} NOT NULL
	);
	CREATE INDEX customers_email ON customers (email);
	CREATE INDEX customers_country ON customers (country);
	CREATE TABLE products (
		id {{pk}},
		external_id TEXT NOT NULL UNIQUE,
		name TEXT NOT NULL DEFAULT '',
		category TEXT NOT NULL DEFAULT '',
		price {{real}} NOT NULL DEFAULT 0,
		currency TEXT NOT NULL DEFAULT '',
		description TEXT NOT NULL DEFAULT '',
		image_url TEXT NOT NULL DEFAULT '',
		url TEXT NOT NULL DEFAULT '',
		in_stock BOOLEAN NOT NULL DEFAULT TRUE,
		created_at {{ts}} NOT NULL,
		updated_at {{ts}} NOT NULL
	);
	CREATE INDEX products_category ON products (category);
	CREATE TABLE orders (
		id {{pk}},
		order_id TEXT NOT NULL,
		customer_id BIGINT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
		product_id BIGINT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
		quantity {{real}} NOT NULL,
		unit_price {{real}} NOT NULL,
		amount {{real}} NOT NULL,
		ordered_at {{ts}} NOT NULL,
		created_at {{ts}} NOT NULL,
		UNIQUE (order_id, product_id)
	);
	CREATE INDEX orders_customer ON orders (customer_id, ordered_at);
	CREATE INDEX orders_ordered_at ON orders (ordered_at);
	CREATE INDEX orders_product ON orders (product_id);
	CREATE TABLE events (
		id {{pk}},
		customer_id BIGINT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
		type TEXT NOT NULL,
		product_id BIGINT REFERENCES products (id) ON DELETE CASCADE,
		occurred_at {{ts}} NOT NULL,
		value {{real}},
		session_id TEXT NOT NULL DEFAULT '',
		dedup_key TEXT NOT NULL UNIQUE,
		created_at {{ts}} NOT NULL
	);
	CREATE INDEX events_customer ON events (customer_id, occurred_at);
	CREATE INDEX events_type ON events (type, occurred_at);
	CREATE INDEX events_product ON events (product_id);
	CREATE TABLE customer_features (
		customer_id BIGINT PRIMARY KEY REFERENCES customers (id) ON DELETE CASCADE,
		first_order_at {{ts}},
		last_order_at {{ts}},
		frequency INTEGER NOT NULL DEFAULT 0,
		monetary {{real}} NOT NULL DEFAULT 0,
		avg_order_value {{real}} NOT NULL DEFAULT 0,
		browse_seconds {{real}} NOT NULL DEFAULT 0,
		event_count INTEGER NOT NULL DEFAULT 0,
		last_event_at {{ts}},
		last_activity_at {{ts}},
		top_categories TEXT NOT NULL DEFAULT '',
		updated_at {{ts}} NOT NULL
	);
	CREATE INDEX customer_features_last_order ON customer_features (last_order_at);
	CREATE INDEX customer_features_monetary ON customer_features (monetary);`,

	// 3: segments
	`CREATE TABLE segments (
		id {{pk}},
		name TEXT NOT NULL UNIQUE,
		description TEXT NOT NULL DEFAULT '',
		rules TEXT NOT NULL,
		created_at {{ts}} NOT NULL,
		updated_at {{ts}} NOT NULL
	);`,

	// 4: recommender models
	`CREATE TABLE recsys_models (
		id {{pk}},
		algorithm TEXT NOT NULL,
		trained_at {{ts}} NOT NULL,
		interactions BIGINT NOT NULL DEFAULT 0,
		items INTEGER NOT NULL DEFAULT 0,
		duration_ms BIGINT NOT NULL DEFAULT 0,
		data {{blob}} NOT NULL
	);
	CREATE INDEX recsys_models_algorithm ON recsys_models (algorithm, trained_at);`,

	// 5: templates, campaigns, runs, deliveries, tracking, attribution, outbox
	`CREATE TABLE templates (
		id {{pk}},
		name TEXT NOT NULL UNIQUE,
		subject TEXT NOT NULL,
		html TEXT NOT NULL,
		text TEXT NOT NULL DEFAULT '',
		created_at {{ts}} NOT NULL,
		updated_at {{ts}} NOT NULL
	);
	CREATE TABLE campaigns (
		id {{pk}},
		name TEXT NOT NULL UNIQUE,
		segment_id BIGINT NOT NULL REFERENCES segments (id),
		template_id BIGINT NOT NULL REFERENCES templates (id),
		schedule_kind TEXT NOT NULL CHECK (schedule_kind IN ('manual','now','at','cron')),
		send_at {{ts}},
		cron_expr TEXT NOT NULL DEFAULT '',
		last_fired_at {{ts}},
		status TEXT NOT NULL DEFAULT 'draft',
		created_at {{ts}} NOT NULL,
		updated_at {{ts}} NOT NULL
	);
	CREATE TABLE runs (
		id {{pk}},
		campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
		fire_key TEXT NOT NULL,
		status TEXT NOT NULL,
		recipients INTEGER NOT NULL DEFAULT 0,
		error TEXT NOT NULL DEFAULT '',
		created_at {{ts}} NOT NULL,
		started_at {{ts}},
		finished_at {{ts}},
		UNIQUE (campaign_id, fire_key)
	);
	CREATE INDEX runs_status ON runs (status);
	CREATE TABLE deliveries (
		id {{pk}},
		run_id BIGINT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
		campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
		customer_id BIGINT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
		status TEXT NOT NULL DEFAULT 'pending',
		claim_token TEXT NOT NULL DEFAULT '',
		claimed_until {{ts}},
		attempts INTEGER NOT NULL DEFAULT 0,
		email TEXT NOT NULL DEFAULT '',
		message_id TEXT NOT NULL DEFAULT '',
		response TEXT NOT NULL DEFAULT '',
		error TEXT NOT NULL DEFAULT '',
		algorithm TEXT NOT NULL DEFAULT '',
		rec_items TEXT NOT NULL DEFAULT '',
		sent_at {{ts}},
		opened_at {{ts}},
		clicked_at {{ts}},
		created_at {{ts}} NOT NULL,
		UNIQUE (run_id, customer_id)
	);
	CREATE INDEX deliveries_claim ON deliveries (run_id, status, id);
	CREATE INDEX deliveries_campaign ON deliveries (campaign_id, status);
	CREATE INDEX deliveries_customer ON deliveries (customer_id);
	CREATE TABLE links (
		id {{pk}},
		url TEXT NOT NULL UNIQUE
	);
	CREATE TABLE clicks (
		id {{pk}},
		delivery_id BIGINT NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
		link_id BIGINT NOT NULL REFERENCES links (id),
		customer_id BIGINT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
		campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
		clicked_at {{ts}} NOT NULL
	);
	CREATE INDEX clicks_customer ON clicks (customer_id, clicked_at);
	CREATE INDEX clicks_campaign ON clicks (campaign_id, clicked_at);
	CREATE TABLE opens (
		id {{pk}},
		delivery_id BIGINT NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
		campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
		opened_at {{ts}} NOT NULL
	);
	CREATE INDEX opens_campaign ON opens (campaign_id, opened_at);
	CREATE TABLE conversions (
		id {{pk}},
		order_id TEXT NOT NULL UNIQUE,
		customer_id BIGINT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
		delivery_id BIGINT NOT NULL REFERENCES deliveries (id) ON DELETE CASCADE,
		campaign_id BIGINT NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
		click_id BIGINT NOT NULL REFERENCES clicks (id) ON DELETE CASCADE,
		revenue {{real}} NOT NULL,
		ordered_at {{ts}} NOT NULL,
		created_at {{ts}} NOT NULL
	);
	CREATE INDEX conversions_campaign ON conversions (campaign_id, ordered_at);
	CREATE TABLE outbox (
		id {{pk}},
		delivery_id BIGINT REFERENCES deliveries (id) ON DELETE CASCADE,
		to_addr TEXT NOT NULL,
		from_addr TEXT NOT NULL,
		subject TEXT NOT NULL,
		html TEXT NOT NULL,
		text TEXT NOT NULL,
		headers TEXT NOT NULL DEFAULT '',
		message_id TEXT NOT NULL,
		created_at {{ts}} NOT NULL
	);
	CREATE INDEX outbox_created ON outbox (created_at);`,

	// 6: behaviour conditions read (type, time, customer, product) from the index alone
	`CREATE INDEX events_type_customer ON events (type, occurred_at, customer_id, product_id);
	DROP INDEX events_type;`,

	// 7: when a worker started handing a delivery to the channel; set on a claim that
	// expired, it means the outcome is unknown
	`ALTER TABLE deliveries ADD COLUMN transmit_started_at {{ts}};`,

	// 8: richer features (RFM scores and tiers, windows of common event types), clusters,
	// propensity scores and segment size snapshots
	`ALTER TABLE customer_features ADD COLUMN recency_score INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE customer_features ADD COLUMN frequency_score INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE customer_features ADD COLUMN monetary_score INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE customer_features ADD COLUMN rfm_tier TEXT NOT NULL DEFAULT '';
	ALTER TABLE customer_features ADD COLUMN days_since_signup INTEGER;
	ALTER TABLE customer_features ADD COLUMN views_7d INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE customer_features ADD COLUMN views_30d INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE customer_features ADD COLUMN views_90d INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE customer_features ADD COLUMN carts_7d INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE customer_features ADD COLUMN carts_30d INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE customer_features ADD COLUMN carts_90d INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE customer_features ADD COLUMN purchases_7d INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE customer_features ADD COLUMN purchases_30d INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE customer_features ADD COLUMN purchases_90d INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE customer_features ADD COLUMN searches_7d INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE customer_features ADD COLUMN searches_30d INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE customer_features ADD COLUMN searches_90d INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE customer_features ADD COLUMN event_counts TEXT NOT NULL DEFAULT '{}';
	ALTER TABLE customer_features ADD COLUMN category_shares TEXT NOT NULL DEFAULT '';
	ALTER TABLE customer_features ADD COLUMN computed_at {{ts}};
	CREATE INDEX customer_features_rfm_tier ON customer_features (rfm_tier);
	CREATE TABLE cluster_models (
		id {{pk}},
		trained_at {{ts}} NOT NULL,
		k INTEGER NOT NULL,
		features TEXT NOT NULL,
		inertia {{real}} NOT NULL,
		silhouette {{real}} NOT NULL,
		agreement {{real}},
		report TEXT NOT NULL DEFAULT '{}',
		data {{blob}} NOT NULL
	);
	CREATE TABLE clusters (
		id {{pk}},
		model_id BIGINT NOT NULL REFERENCES cluster_models (id) ON DELETE CASCADE,
		cluster_key INTEGER NOT NULL,
		label TEXT NOT NULL,
		size INTEGER NOT NULL,
		portrait TEXT NOT NULL DEFAULT '',
		centroid TEXT NOT NULL DEFAULT '[]',
		UNIQUE (model_id, cluster_key)
	);
	CREATE TABLE customer_clusters (
		customer_id BIGINT PRIMARY KEY REFERENCES customers (id) ON DELETE CASCADE,
		model_id BIGINT NOT NULL REFERENCES cluster_models (id) ON DELETE CASCADE,
		cluster_key INTEGER NOT NULL,
		distance {{real}} NOT NULL DEFAULT 0
	);
	CREATE INDEX customer_clusters_key ON customer_clusters (cluster_key);
	CREATE TABLE propensity_models (
		id {{pk}},
		trained_at {{ts}} NOT NULL,
		horizon_days INTEGER NOT NULL,
		metrics TEXT NOT NULL DEFAULT '{}',
		data {{blob}} NOT NULL
	);
	CREATE TABLE propensity_scores (
		customer_id BIGINT PRIMARY KEY REFERENCES customers (id) ON DELETE CASCADE,
		model_id BIGINT NOT NULL REFERENCES propensity_models (id) ON DELETE CASCADE,
		score {{real}} NOT NULL,
		drivers TEXT NOT NULL DEFAULT '[]',
		scored_at {{ts}} NOT NULL
	);
	CREATE INDEX propensity_scores_score ON propensity_scores (score);
	CREATE TABLE segment_snapshots (
		id {{pk}},
		segment_id BIGINT NOT NULL REFERENCES segments (id) ON DELETE CASCADE,
		taken_at {{ts}} NOT NULL,
		size BIGINT NOT NULL,
		UNIQUE (segment_id, taken_at)
	);`,

	// 9: behaviour rules with a total value read events and orders from covering indexes
	`CREATE INDEX events_type_value ON events (type, occurred_at, customer_id, product_id, value);
	DROP INDEX events_type_customer;
	CREATE INDEX orders_customer_amount ON orders (customer_id, ordered_at, order_id, product_id, amount);
	DROP INDEX orders_customer;`,

	// 10: feature rebuilds read each event's customer, time, type and value from one index
	`CREATE INDEX events_customer_cover ON events (customer_id, occurred_at, type, value);
	DROP INDEX events_customer;`,

	// 11: a template's recommendation block names its algorithm, item count and business
	// rules (JSON of recsys.Rules)
	`ALTER TABLE templates ADD COLUMN rec_algorithm TEXT NOT NULL DEFAULT 'best';
	ALTER TABLE templates ADD COLUMN rec_count INTEGER NOT NULL DEFAULT 4;
	ALTER TABLE templates ADD COLUMN rec_rules TEXT NOT NULL DEFAULT '{}';`,

	// 12: live segment counts answer from indexes: when features were computed (the
	// window fast path checks it), RFM tier with recency, and (value, customer) pairs of
	// the feature columns rules test most, so a count reads the customer ids from the
	// index alone; email consent, which the semi-join checks by customer id; and orders
	// by product with their time, customer, order and amount, for purchases of a
	// product or category in a window
	`CREATE INDEX customer_features_computed ON customer_features (computed_at);
	CREATE INDEX customer_features_tier_order ON customer_features (rfm_tier, last_order_at);
	DROP INDEX customer_features_rfm_tier;
	CREATE INDEX customer_features_monetary_customer ON customer_features (monetary, customer_id);
	DROP INDEX customer_features_monetary;
	CREATE INDEX customer_features_frequency ON customer_features (frequency, customer_id);
	CREATE INDEX customer_features_views_7d ON customer_features (views_7d, customer_id);
	CREATE INDEX customer_features_views_30d ON customer_features (views_30d, customer_id);
	CREATE INDEX customer_features_views_90d ON customer_features (views_90d, customer_id);
	CREATE INDEX customer_features_carts_7d ON customer_features (carts_7d, customer_id);
	CREATE INDEX customer_features_carts_30d ON customer_features (carts_30d, customer_id);
	CREATE INDEX customer_features_carts_90d ON customer_features (carts_90d, customer_id);
	CREATE INDEX customer_features_searches_7d ON customer_features (searches_7d, customer_id);
	CREATE INDEX customer_features_searches_30d ON customer_features (searches_30d, customer_id);
	CREATE INDEX customer_features_searches_90d ON customer_features (searches_90d, customer_id);
	CREATE INDEX customers_consent_email ON customers (consent_email);
	CREATE INDEX orders_product_cover ON orders (product_id, ordered_at, customer_id, order_id, amount);
	DROP INDEX orders_product;`,

	// 13: the customer columns rules combine with features most (country, email and push
	// consent) are copied into customer_features, which triggers keep true (see
	// migrationTriggers), and trail the indexes of the feature columns rules test (those
	// of migration 12, RFM tier and last order): a count of "country = DE and monetary >=
	// 100" then reads one index alone
	`ALTER TABLE customer_features ADD COLUMN country TEXT NOT NULL DEFAULT '';
	ALTER TABLE customer_features ADD COLUMN consent_email BOOLEAN NOT NULL DEFAULT FALSE;
	ALTER TABLE customer_features ADD COLUMN consent_push BOOLEAN NOT NULL DEFAULT FALSE;
	UPDATE customer_features SET (country, consent_email, consent_push) =
		(SELECT c.country, c.consent_email, c.consent_push FROM customers c WHERE c.id = customer_features.customer_id);
	DROP INDEX customer_features_monetary_customer;
	DROP INDEX customer_features_frequency;
	DROP INDEX customer_features_views_7d;
	DROP INDEX customer_features_views_30d;
	DROP INDEX customer_features_views_90d;
	DROP INDEX customer_features_carts_7d;
	DROP INDEX customer_features_carts_30d;
	DROP INDEX customer_features_carts_90d;
	DROP INDEX customer_features_searches_7d;
	DROP INDEX customer_features_searches_30d;
	DROP INDEX customer_features_searches_90d;
	DROP INDEX customer_features_tier_order;
	DROP INDEX customer_features_last_order;
	CREATE INDEX customer_features_monetary_customer ON customer_features (monetary, country, consent_email, consent_push, customer_id);
	CREATE INDEX customer_features_frequency ON customer_features (frequency, country, consent_email, consent_push, customer_id);
	CREATE INDEX customer_features_views_7d ON customer_features (views_7d, country, consent_email, consent_push, customer_id);
	CREATE INDEX customer_features_views_30d ON customer_features (views_30d, country, consent_email, consent_push, customer_id);
	CREATE INDEX customer_features_views_90d ON customer_features (views_90d, country, consent_email, consent_push, customer_id);
	CREATE INDEX customer_features_carts_7d ON customer_features (carts_7d, country, consent_email, consent_push, customer_id);
	CREATE INDEX customer_features_carts_30d ON customer_features (carts_30d, country, consent_email, consent_push, customer_id);
	CREATE INDEX customer_features_carts_90d ON customer_features (carts_90d, country, consent_email, consent_push, customer_id);
	CREATE INDEX customer_features_searches_7d ON customer_features (searches_7d, country, consent_email, consent_push, customer_id);
	CREATE INDEX customer_features_searches_30d ON customer_features (searches_30d, country, consent_email, consent_push, customer_id);
	CREATE INDEX customer_features_searches_90d ON customer_features (searches_90d, country, consent_email, consent_push, customer_id);
	CREATE INDEX customer_features_tier_order ON customer_features (rfm_tier, last_order_at, country, consent_email, consent_push, customer_id);
	CREATE INDEX customer_features_last_order ON customer_features (last_order_at, country, consent_email, consent_push, customer_id);`,

	// 14: the tracked link of each recommended product in a sent message, in the order of
	// rec_items (0 where the message did not link it), so a click can be credited to the
	// algorithm that proposed the product.
	`ALTER TABLE deliveries ADD COLUMN rec_links TEXT NOT NULL DEFAULT '';`,
}

var dialectTypes = map[string]map[string]string{
	"sqlite": {
		"{{pk}}":   "INTEGER PRIMARY KEY AUTOINCREMENT",
		"{{ts}}":   "DATETIME",
		"{{real}}": "REAL",
		"{{blob}}": "BLOB",
	},
	"postgres": {
		"{{pk}}":   "BIGSERIAL PRIMARY KEY",
		"{{ts}}":   "TIMESTAMPTZ",
		"{{real}}": "DOUBLE PRECISION",
		"{{blob}}": "BYTEA",
	},
}

// Migrate applies every migration not yet recorded in schema_migrations, each in its own
// transaction, in order.
func (db *DB) Migrate(ctx context.Context) error {
	g := db.WithContext(ctx)
	if err := g.Exec(`CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at ` +
		dialectTypes[db.Dialect]["{{ts}}"] + ` NOT NULL)`).Error; err != nil {
		return fmt.Errorf("store: create schema_migrations: %w", err)
	}
	var current int
	if err := g.Raw(`SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&current).Error; err != nil {
		return fmt.Errorf("store: read schema version: %w", err)
	}
	for i := current; i < len(migrations); i++ {
		version := i + 1
		sql := migrations[i]
		for k, v := range dialectTypes[db.Dialect] {
			sql = strings.ReplaceAll(sql, k, v)
		}
		tx := g.Begin()
		for _, stmt := range append(splitStatements(sql), migrationTriggers[version][db.Dialect]...) {
			if err := tx.Exec(stmt).Error; err != nil {
				tx.Rollback()
				return fmt.Errorf("store: migration %d: %w", version, err)
			}
		}
		if err := tx.Exec(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`, version, time.Now().UTC()).Error; err != nil {
			tx.Rollback()
			return fmt.Errorf("store: record migration %d: %w", version, err)
		}
		if err := tx.Commit().Error; err != nil {
			return fmt.Errorf("store: commit migration %d: %w", version, err)
		}
	}
	return nil
}

// SchemaVersion returns the number of applied migrations.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := db.WithContext(ctx).Raw(`SELECT COALESCE(MAX(version), 0) FROM schema_migrations`).Scan(&v).Error
	return v, err
}

// splitStatements splits a migration on semicolons that end a line; no migration has a
// semicolon inside a string literal.
func splitStatements(sql string) []string {
	var out []string
	for _, s := range strings.Split(sql, ";") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

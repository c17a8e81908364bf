package store

// migrationTriggers are statements of a migration, by version and dialect, that hold
// semicolons of their own (trigger and function bodies): each runs whole, after the
// statements of migrations[version-1], in the same transaction.
//
// 13: the copies of customer columns in customer_features follow whichever code writes.
// A change of a copied customer column is written to the customer's features row; the
// trigger does nothing when none of them changed. A features row inserted with copies
// that differ from its customer's columns (the feature writer copies them itself) is
// corrected after the insert on SQLite, whose BEFORE triggers cannot change the row, and
// filled before it on PostgreSQL.
var migrationTriggers = map[int]map[string][]string{
	13: {
		"sqlite": {
			`CREATE TRIGGER customers_copy_to_features AFTER UPDATE OF country, consent_email, consent_push ON customers
			WHEN OLD.country IS NOT NEW.country OR OLD.consent_email IS NOT NEW.consent_email
				OR OLD.consent_push IS NOT NEW.consent_push
			BEGIN
				UPDATE customer_features SET country = NEW.country, consent_email = NEW.consent_email,
					consent_push = NEW.consent_push
				WHERE customer_id = NEW.id;
			END`,
			`CREATE TRIGGER customer_features_copy_customer AFTER INSERT ON customer_features
			WHEN NOT EXISTS (SELECT 1 FROM customers c WHERE c.id = NEW.customer_id AND c.country = NEW.country
				AND c.consent_email = NEW.consent_email AND c.consent_push = NEW.consent_push)
			BEGIN
				UPDATE customer_features SET (country, consent_email, consent_push) =
					(SELECT c.country, c.consent_email, c.consent_push FROM customers c WHERE c.id = NEW.customer_id)
				WHERE customer_id = NEW.customer_id AND EXISTS (SELECT 1 FROM customers c WHERE c.id = NEW.customer_id);
			END`,
		},
		"postgres": {
			`CREATE FUNCTION customers_copy_to_features() RETURNS trigger LANGUAGE plpgsql AS $$
			BEGIN
				UPDATE customer_features SET country = NEW.country, consent_email = NEW.consent_email,
					consent_push = NEW.consent_push
				WHERE customer_id = NEW.id;
				RETURN NULL;
			END
			$$`,
			`CREATE TRIGGER customers_copy_to_features AFTER UPDATE OF country, consent_email, consent_push ON customers
			FOR EACH ROW WHEN (OLD.country IS DISTINCT FROM NEW.country OR OLD.consent_email IS DISTINCT FROM NEW.consent_email
				OR OLD.consent_push IS DISTINCT FROM NEW.consent_push)
			EXECUTE FUNCTION customers_copy_to_features()`,
			`CREATE FUNCTION customer_features_copy_customer() RETURNS trigger LANGUAGE plpgsql AS $$
			DECLARE
				c RECORD;
			BEGIN
				SELECT country, consent_email, consent_push INTO c FROM customers WHERE id = NEW.customer_id;
				IF FOUND THEN
					NEW.country := c.country;
					NEW.consent_email := c.consent_email;
					NEW.consent_push := c.consent_push;
				END IF;
				RETURN NEW;
			END
			$$`,
			`CREATE TRIGGER customer_features_copy_customer BEFORE INSERT ON customer_features
			FOR EACH ROW EXECUTE FUNCTION customer_features_copy_customer()`,
		},
	},
}

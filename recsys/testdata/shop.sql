-- A hand-computed shop: 4 customers x 4 products (101-104) for the cosine checks, plus
-- customer 5 who alone touched 105 and 106 (106 out of stock), and 107 that nobody touched.
-- Customer 6 only viewed 101, after training time: training ignores it, serving does not.
-- Training runs at 2025-06-30 12:00 UTC. Summed weights per (customer, product), and the
-- dampened weight log1p(sum):
--        101        102            103            104
--   c1   2 (ln 3)   5 (ln 6)       -              -
--   c2   1 (ln 2)   5 (ln 6)       3 (ln 4)       -
--   c3   -          1 (ln 2)       4 (ln 5)       1 (ln 2)
--   c4   -          -              1 (ln 2)       6 (ln 7)
INSERT INTO customers (id, external_id, email, created_at, updated_at) VALUES
	(1, 'c1', 'c1@example.com', '2025-01-01 00:00:00+00:00', '2025-01-01 00:00:00+00:00'),
	(2, 'c2', 'c2@example.com', '2025-01-01 00:00:00+00:00', '2025-01-01 00:00:00+00:00'),
	(3, 'c3', 'c3@example.com', '2025-01-01 00:00:00+00:00', '2025-01-01 00:00:00+00:00'),
	(4, 'c4', 'c4@example.com', '2025-01-01 00:00:00+00:00', '2025-01-01 00:00:00+00:00'),
	(5, 'c5', 'c5@example.com', '2025-01-01 00:00:00+00:00', '2025-01-01 00:00:00+00:00'),
	(6, 'c6', 'c6@example.com', '2025-01-01 00:00:00+00:00', '2025-01-01 00:00:00+00:00');

INSERT INTO products (id, external_id, name, category, price, currency, image_url, url, in_stock, created_at, updated_at) VALUES
	(101, 'P-101', 'Red Mug', 'mugs', 9.5, 'EUR', 'https://shop.example/101.jpg', 'https://shop.example/p/101', TRUE, '2025-01-01 00:00:00+00:00', '2025-01-01 00:00:00+00:00'),
	(102, 'P-102', 'Blue Mug', 'mugs', 10, 'EUR', 'https://shop.example/102.jpg', 'https://shop.example/p/102', TRUE, '2025-01-01 00:00:00+00:00', '2025-01-01 00:00:00+00:00'),
	(103, 'P-103', 'Teapot', 'tea', 25, 'EUR', 'https://shop.example/103.jpg', 'https://shop.example/p/103', TRUE, '2025-01-01 00:00:00+00:00', '2025-01-01 00:00:00+00:00'),
	(104, 'P-104', 'Kettle', 'tea', 40, 'EUR', 'https://shop.example/104.jpg', 'https://shop.example/p/104', TRUE, '2025-01-01 00:00:00+00:00', '2025-01-01 00:00:00+00:00'),
	(105, 'P-105', 'Spoon', 'cutlery', 2, 'EUR', '', 'https://shop.example/p/105', TRUE, '2025-01-01 00:00:00+00:00', '2025-01-01 00:00:00+00:00'),
	(106, 'P-106', 'Fork', 'cutlery', 2, 'EUR', '', 'https://shop.example/p/106', FALSE, '2025-01-01 00:00:00+00:00', '2025-01-01 00:00:00+00:00'),
	(107, 'P-107', 'Knife', 'cutlery', 3, 'EUR', '', 'https://shop.example/p/107', TRUE, '2025-01-01 00:00:00+00:00', '2025-01-01 00:00:00+00:00');

INSERT INTO orders (order_id, customer_id, product_id, quantity, unit_price, amount, ordered_at, created_at) VALUES
	('O-1', 1, 102, 1, 10, 10, '2025-06-03 10:00:00+00:00', '2025-06-03 10:00:00+00:00'),
	('O-2', 4, 104, 1, 40, 40, '2025-06-04 10:00:00+00:00', '2025-06-04 10:00:00+00:00');

INSERT INTO events (customer_id, type, product_id, occurred_at, dedup_key, created_at) VALUES
	(1, 'view', 101, '2025-06-01 10:00:00+00:00', 'e1', '2025-06-01 10:00:00+00:00'),
	(1, 'view', 101, '2025-06-02 10:00:00+00:00', 'e2', '2025-06-02 10:00:00+00:00'),
	(2, 'view', 101, '2025-06-01 11:00:00+00:00', 'e3', '2025-06-01 11:00:00+00:00'),
	(2, 'cart', 103, '2025-06-01 12:00:00+00:00', 'e4', '2025-06-01 12:00:00+00:00'),
	(2, 'purchase', 102, '2025-06-01 13:00:00+00:00', 'e5', '2025-06-01 13:00:00+00:00'),
	(3, 'view', 102, '2025-06-05 10:00:00+00:00', 'e6', '2025-06-05 10:00:00+00:00'),
	(3, 'view', 103, '2025-06-05 11:00:00+00:00', 'e7', '2025-06-05 11:00:00+00:00'),
	(3, 'cart', 103, '2025-06-05 12:00:00+00:00', 'e8', '2025-06-05 12:00:00+00:00'),
	(3, 'view', 104, '2025-06-05 13:00:00+00:00', 'e9', '2025-06-05 13:00:00+00:00'),
	(4, 'view', 104, '2025-06-04 09:00:00+00:00', 'e10', '2025-06-04 09:00:00+00:00'),
	(4, 'view', 103, '2025-06-06 10:00:00+00:00', 'e11', '2025-06-06 10:00:00+00:00'),
	-- not interactions: a search without a product, a click, and a view after training time
	(4, 'search', NULL, '2025-06-06 11:00:00+00:00', 'e12', '2025-06-06 11:00:00+00:00'),
	(4, 'click', 101, '2025-06-06 12:00:00+00:00', 'e13', '2025-06-06 12:00:00+00:00'),
	(6, 'view', 101, '2025-07-15 10:00:00+00:00', 'e14', '2025-07-15 10:00:00+00:00'),
	(5, 'view', 105, '2025-06-07 10:00:00+00:00', 'e15', '2025-06-07 10:00:00+00:00'),
	(5, 'view', 106, '2025-06-07 11:00:00+00:00', 'e16', '2025-06-07 11:00:00+00:00');

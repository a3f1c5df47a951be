-- Shift of the normal-range category (bnrind -> anrind) by visit: see macros/results_lab_shift.sql.

{{ results_lab_shift('bnrind', 'anrind') }}

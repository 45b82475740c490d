import pytest

from accounts.models import Account
from csm.tenancy import activate


@pytest.mark.django_db
def test_the_world_has_one_of_everything_in_each_organization(world, org_a, org_b):
    assert world["alpha"].keys() == world["beta"].keys()
    for organization, ids in ((org_a, world["alpha"]), (org_b, world["beta"])):
        with activate(organization):
            assert Account.objects.filter(pk=ids["account"]).exists()
